"""Re-running extraction over a date range (e.g. with another model) and saying what changed."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from accounts.models import Organization
from reports.models import Mention, Report
from reports.services.analyse import AnalysisOptions, reports_analyse


@dataclass
class ReanalysisSummary:
    reports: int = 0
    added: Counter = field(default_factory=Counter)  # brand name -> mentions gained
    removed: Counter = field(default_factory=Counter)  # brand name -> mentions lost

    def lines(self) -> list[str]:
        brands = sorted(set(self.added) | set(self.removed), key=str.casefold)
        return [
            f"{name}: +{self.added.get(name, 0)} / -{self.removed.get(name, 0)}"
            for name in brands
            if self.added.get(name) or self.removed.get(name)
        ]


def _brands_by_article(report_ids: list[int]) -> dict[int, set[str]]:
    brands: dict[int, set[str]] = {}
    for article_id, name in Mention.objects.filter(report_id__in=report_ids).values_list(
        "report__article_id", "brand__name"
    ):
        brands.setdefault(article_id, set()).add(name)
    return brands


def reports_reanalyse(
    *,
    organization: Organization | None,
    since: date,
    until: date,
    options: AnalysisOptions,
    report_ids: list[int] | None = None,
) -> ReanalysisSummary:
    reports = Report.objects.filter(analysed_at__date__gte=since, analysed_at__date__lte=until)
    if organization is not None:
        reports = reports.filter(organization=organization)
    if report_ids is not None:
        reports = reports.filter(pk__in=report_ids)
    rows = list(reports.values_list("id", "article_id"))
    before = _brands_by_article([report_id for report_id, _ in rows])
    article_ids = [article_id for _, article_id in rows]
    options.reanalyse = True
    new_reports = reports_analyse(article_ids=article_ids, options=options)
    after = _brands_by_article([report.pk for report in new_reports])
    summary = ReanalysisSummary(reports=len(new_reports))
    for article_id in article_ids:
        old, new = before.get(article_id, set()), after.get(article_id, set())
        summary.added.update(new - old)
        summary.removed.update(old - new)
    return summary
