"""Re-analysis in place: the report keeps its identity, its earlier result is kept as a version.

Every re-run used to delete the report and create another: its URL became a 404, and the
reviews, feedback history and drafts pointing at it were lost or cut loose. Now the report row
is updated, its mentions are merged by brand (a brand found again keeps its mention and the
review on it), and what the report said before is stored as a ``ReportVersion``.
"""

from __future__ import annotations

from collections.abc import Iterable

from reports.models import Mention, Report, ReportVersion, ReviewStatus

MENTION_FIELDS = (
    "surface",
    "confidence",
    "sentiment",
    "evidence",
    "evidence_start",
    "evidence_end",
    "source",
    "mentioned_at",
)


def _brand_rows(report: Report) -> list[dict]:
    return [
        {
            "brand_id": mention.brand_id,
            "name": mention.brand.name,
            "confidence": mention.confidence,
            "review_status": mention.review_status,
        }
        for mention in report.mentions.select_related("brand").order_by("evidence_start")
    ]


def report_version_record(*, report: Report) -> ReportVersion:
    """Keep what ``report`` says now, before a re-analysis replaces it."""
    return ReportVersion.objects.create(
        organization_id=report.organization_id,
        report=report,
        analysed_at=report.analysed_at,
        extractor=report.extractor,
        model=report.model,
        status=report.status,
        summary=report.summary,
        sentiment_label=report.sentiment_label,
        brands=_brand_rows(report),
    )


def report_mentions_replace(
    *, report: Report, mentions: Iterable[Mention], version: ReportVersion | None
) -> None:
    """Make ``mentions`` (one per brand, not saved) the report's, keeping identities.

    A brand found again keeps its mention row, its review and its feedback history, with the
    new evidence. A mention no longer found goes, unless someone confirmed it: a person's
    confirmation outweighs a re-run that missed the brand.
    """
    current = {mention.brand_id: mention for mention in report.mentions.all()}
    wanted = {mention.brand_id: mention for mention in mentions}
    updated = []
    for brand_id, fresh in wanted.items():
        kept = current.get(brand_id)
        if kept is None:
            continue
        for name in MENTION_FIELDS:
            setattr(kept, name, getattr(fresh, name))
        updated.append(kept)
    Mention.objects.bulk_update(updated, MENTION_FIELDS)
    Mention.objects.bulk_create([m for b, m in wanted.items() if b not in current])
    gone = [
        mention.pk
        for brand_id, mention in current.items()
        if brand_id not in wanted and mention.review_status != ReviewStatus.CONFIRMED
    ]
    Mention.objects.filter(pk__in=gone).delete()
    if version is not None:
        before = {row["brand_id"]: row["name"] for row in version.brands}
        after = dict(report.mentions.values_list("brand_id", "brand__name"))
        version.added = sorted((after[b] for b in after.keys() - before.keys()), key=str.casefold)
        version.removed = sorted(
            (before[b] for b in before.keys() - after.keys()), key=str.casefold
        )
        version.save(update_fields=["added", "removed"])
