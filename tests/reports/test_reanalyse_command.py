import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from reports.models import BlockedTerm
from reports.services.analyse import report_analyse
from tests.reports.analysis_data import make_article, track

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def rules_only(settings):
    settings.OPENAI_API_KEY = None
    settings.OPENAI_BASE_URL = None


def test_it_reanalyses_a_date_range_and_prints_what_changed_per_brand(org_a, capsys):
    track(org_a, "Nike")
    report_analyse(article=make_article(org_a))
    # The organization now blocks Globex: the next run loses that mention.
    BlockedTerm.objects.create(organization=org_a, term="Globex", normalized="globex")
    today = timezone.now().date().isoformat()

    call_command("reanalyse", "--since", today, "--org", org_a.slug, "--rules")

    out = capsys.readouterr().out
    assert "Re-analysed 1 reports." in out
    assert "Globex: +0 / -1" in out
    assert "Nike" not in out  # Unchanged brands are not listed.


def test_it_refuses_bad_dates_and_unknown_organizations(org_a):
    with pytest.raises(CommandError, match="is not a date"):
        call_command("reanalyse", "--since", "yesterday")
    with pytest.raises(CommandError, match="No organization"):
        call_command("reanalyse", "--since", "2026-01-01", "--org", "nope")
    with pytest.raises(CommandError, match="before --since"):
        call_command("reanalyse", "--since", "2026-02-01", "--until", "2026-01-01")
