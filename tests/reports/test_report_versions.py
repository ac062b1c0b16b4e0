"""Re-analysis keeps a report's identity: same row and URL, reviews and drafts kept, and the
earlier result viewable with what changed."""

import pytest
from django.urls import reverse

from contacts.models import EmailDraft
from reports.models import BlockedTerm, Mention, ReviewStatus
from reports.services.analyse import AnalysisOptions, report_analyse
from tests.contacts.builders import make_contact
from tests.reports.analysis_data import make_article, track

pytestmark = pytest.mark.django_db
RERUN = AnalysisOptions(use_llm=False, reanalyse=True)
TEXT = (
    "Acme Corp opened a new factory in Lyon on Monday, the company said. The plant will build "
    "batteries with Globex Industries Inc., which supplies cells.\n\nAnalysts at Initech Ltd. "
    "said the move was a strong signal for the region."
)


@pytest.fixture
def report(org_a, settings):
    settings.OPENAI_API_KEY = settings.OPENAI_BASE_URL = None
    track(org_a, "Acme Corp")
    track(org_a, "Globex Industries")
    article = make_article(org_a, TEXT, title="Acme opens a plant")
    return report_analyse(article=article, options=AnalysisOptions(use_llm=False))


def names(report) -> set[str]:
    return set(report.mentions.values_list("brand__name", flat=True))


def test_a_rerun_keeps_the_row_the_reviews_and_the_drafts(report, org_a, alice, client_for):
    acme = report.mentions.get(brand__name="Acme Corp")
    acme.review_status, acme.reviewed_by = ReviewStatus.CONFIRMED, alice
    acme.save(update_fields=["review_status", "reviewed_by"])
    draft = EmailDraft.objects.create(
        organization=org_a,
        contact=make_contact(acme.brand),
        report=report,
        subject="About the plant",
        body="Hello",
        generated_at=report.analysed_at,
        created_by=alice,
    )
    url = reverse("reports:detail", args=[report.pk])

    again = report_analyse(article=report.article, options=RERUN)

    assert again.pk == report.pk
    assert client_for(alice).get(url).status_code == 200
    kept = Mention.objects.get(pk=acme.pk)  # The same mention row, its review intact.
    assert (kept.review_status, kept.reviewed_by) == (ReviewStatus.CONFIRMED, alice)
    draft.refresh_from_db()
    assert draft.report_id == report.pk


def test_the_earlier_result_is_kept_with_what_changed(report, org_a, alice, client_for):
    before = names(report)
    assert {"Acme Corp", "Globex Industries"} <= before
    BlockedTerm.objects.create(
        organization=org_a, term="Globex Industries", normalized="globex industries"
    )
    track(org_a, "Hooli")
    article = report.article
    article.text += " Hooli also bids for the contract."  # The page was fetched again.
    article.save(update_fields=["text"])

    again = report_analyse(article=article, options=RERUN)

    assert names(again) == before - {"Globex Industries"} | {"Hooli"}
    [version] = again.versions.all()
    assert {row["name"] for row in version.brands} == before
    assert (version.added, version.removed) == (["Hooli"], ["Globex Industries"])
    assert version.analysed_at == report.analysed_at
    page = client_for(alice).get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "Earlier analyses" in page
    assert "then added Hooli; removed Globex Industries" in page


def test_a_confirmed_mention_survives_a_rerun_that_misses_it(report, org_a, alice):
    globex = report.mentions.get(brand__name="Globex Industries")
    globex.review_status = ReviewStatus.CONFIRMED
    globex.save(update_fields=["review_status"])
    unconfirmed = report.mentions.get(brand__name="Acme Corp")
    BlockedTerm.objects.bulk_create(
        [
            BlockedTerm(organization=org_a, term=name, normalized=name.lower())
            for name in ("Globex Industries", "Acme Corp")
        ]
    )

    again = report_analyse(article=report.article, options=RERUN)

    # A person's confirmation outweighs a re-run; an unreviewed mention goes.
    kept = set(again.mentions.values_list("pk", flat=True))
    assert globex.pk in kept
    assert unconfirmed.pk not in kept
    assert not Mention.objects.filter(pk=unconfirmed.pk).exists()
