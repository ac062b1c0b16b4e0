"""Analysis with an organization's own LLM connection: its server, its key, its model; when it
fails, the rules answer and the dashboard says why, and the installation (and every other
organization) goes on undisturbed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import AnalysisMode, OrganizationLLM
from reports.models import Report, ReportStatus
from reports.services.analyse import report_analyse
from reports.tasks import analyse_llm_pending
from resilience.breaker import get_breaker
from resilience.quota import provider_disabled
from tests.accounts.llm_data import ORG_KEY, new_fernet_key, save_own_connection
from tests.harness.openai_server import FakeOpenAIServer
from tests.reports.analysis_data import brand, llm_answer, make_article

pytestmark = pytest.mark.django_db

NIKE = brand("Nike", "Nike reported record sales in Europe on Tuesday", sentiment=0.6)
BANNER = "Your organization's LLM connection is not working"


@pytest.fixture(autouse=True)
def encryption_key(settings) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [new_fernet_key()]


@pytest.fixture
def one_try(settings):
    settings.RETRY_MAX_ATTEMPTS = 1
    settings.BREAKER_FAIL_MAX = 1


@pytest.fixture
def org_server():
    with FakeOpenAIServer() as fake:
        yield fake


@pytest.fixture
def own(org_a, alice, org_server) -> OrganizationLLM:
    return save_own_connection(org_a, org_server.base_url)


def _dashboard(client_for, user) -> str:
    return client_for(user).get(reverse("dashboard")).content.decode()


def test_analysis_sends_the_orgs_key_and_model_to_the_orgs_server_only(
    org_a, own, org_server, openai_server
):
    org_server.reply_json(llm_answer(NIKE))

    report = report_analyse(article=make_article(org_a))

    assert report.extractor == "llm" and report.model == "org-model"
    [request] = org_server.http.requests_to("/v1/chat/completions")
    assert request.headers["authorization"] == f"Bearer {ORG_KEY}"
    assert openai_server.requests == []


def test_other_organizations_stay_on_the_installations_connection(
    org_b, charlie, own, org_server, openai_server
):
    openai_server.reply_json(llm_answer(NIKE))

    report = report_analyse(article=make_article(org_b, n=2))

    assert report.extractor == "llm" and len(openai_server.requests) == 1
    assert org_server.requests == []


def test_a_refused_key_falls_back_to_rules_with_a_banner_until_an_answer_comes(
    client_for,
    org_a,
    alice,
    own,
    org_server,
    openai_server,
    one_try,
    settings,
):
    # The banner as the rows say (the cache's invalidation has tests of its own).
    settings.DASHBOARD_CACHE_SECONDS = 0
    org_server.status(401, f"Incorrect API key provided: {ORG_KEY}.")

    report = report_analyse(article=make_article(org_a))

    assert report.status == ReportStatus.FALLBACK and report.extractor == "rules"
    assert "refused the API key (401 Unauthorized)" in report.error
    assert "Analysed by rules instead" in report.error and ORG_KEY not in report.error
    dashboard = _dashboard(client_for, alice)
    assert BANNER in dashboard and "401" in dashboard and ORG_KEY not in dashboard
    assert openai_server.requests == []

    get_breaker("openai", f"org-{org_a.pk}").close()
    org_server.reply_json(llm_answer(NIKE))
    again = report_analyse(article=make_article(org_a, n=2))

    assert again.extractor == "llm"
    row = OrganizationLLM.objects.get(organization=org_a)
    assert (row.failing_since, row.failure_message) == (None, "")
    assert BANNER not in _dashboard(client_for, alice)


def test_one_orgs_failing_server_opens_only_its_own_breaker(
    org_a, org_b, charlie, own, org_server, openai_server, one_try
):
    org_server.server_error(500)
    report_analyse(article=make_article(org_a))

    assert get_breaker("openai", f"org-{org_a.pk}").current_state == "open"
    assert get_breaker("openai", "default").current_state == "closed"
    openai_server.reply_json(llm_answer(NIKE))
    other = report_analyse(article=make_article(org_b, n=2))
    assert other.extractor == "llm" and other.status == ReportStatus.DONE


def test_a_used_up_org_account_pauses_only_that_organization(
    org_a, org_b, charlie, own, org_server, openai_server, one_try
):
    org_server.insufficient_quota()
    report = report_analyse(article=make_article(org_a))

    assert report.status == ReportStatus.FALLBACK and "no quota or credit" in report.error
    assert provider_disabled(f"openai:org-{org_a.pk}") is not None
    assert provider_disabled("openai") is None
    openai_server.reply_json(llm_answer(NIKE))
    assert report_analyse(article=make_article(org_b, n=2)).extractor == "llm"


def test_a_key_no_encryption_key_opens_means_rules_and_a_banner(
    client_for, org_a, alice, own, org_server, settings
):
    settings.FIELD_ENCRYPTION_KEYS = [new_fernet_key()]  # the operator lost the old key

    report = report_analyse(article=make_article(org_a))

    assert report.status == ReportStatus.FALLBACK and "cannot be decrypted" in report.error
    assert org_server.requests == []
    assert BANNER in _dashboard(client_for, alice)


def test_economy_mode_is_not_used_with_the_orgs_own_connection(org_a, own, org_server):
    org_a.analysis_mode = AnalysisMode.ECONOMY
    org_a.save(update_fields=["analysis_mode"])
    org_server.reply_json(llm_answer(NIKE))

    report = report_analyse(article=make_article(org_a))

    assert report.extractor == "llm" and len(org_server.requests) == 1


def test_pending_articles_go_back_to_the_orgs_own_llm_without_an_installation_llm(
    org_a, org_b, charlie, own, org_server, settings, one_try
):
    settings.OPENAI_API_KEY = settings.OPENAI_BASE_URL = None
    org_server.server_error(503)
    first = report_analyse(article=make_article(org_a))
    assert first.llm_pending and first.status == ReportStatus.FALLBACK
    other = report_analyse(article=make_article(org_b, n=2))  # rules: no LLM for org B
    Report.objects.filter(pk=other.pk).update(llm_pending=True)
    get_breaker("openai", f"org-{org_a.pk}").close()
    org_server.reply_json(llm_answer(NIKE))

    assert analyse_llm_pending() == 1

    first.refresh_from_db()
    assert first.extractor == "llm" and not first.llm_pending
    assert Report.objects.get(pk=other.pk).llm_pending  # left for when org B has an LLM
