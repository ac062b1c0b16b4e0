"""The keyword rules pages: drawer form, live preview, errors in place, enable/disable,
delete with confirmation, the excluded reports' places, and isolation between organizations."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from reports.models import KeywordRule, Report
from reports.services.analyse import report_analyse
from reports.services.keyword_rules import keyword_rule_create
from tests.feeds.builders import make_feed
from tests.jobs.builders import make_job
from tests.reports.analysis_data import make_article

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def no_llm(settings):
    settings.OPENAI_API_KEY = None
    settings.OPENAI_BASE_URL = None


def form_data(**values):
    return {"name": "Cars", "include": "tesla OR ford", "exclude": "", "enabled": "on", **values}


def test_creating_a_rule_in_the_drawer_saves_it_and_lists_it(client_for, alice):
    client = client_for(alice)
    response = client.post(reverse("reports:rule_create"), form_data(), headers=HTMX)

    assert response.headers["HX-Redirect"] == reverse("reports:rules")
    rule = KeywordRule.objects.get()
    assert (rule.name, rule.include, rule.enabled, rule.job) == (
        "Cars",
        "tesla OR ford",
        True,
        None,
    )
    page = client.get(reverse("reports:rules")).content.decode()
    assert "tesla OR ford" in page and "Every job" in page


def test_a_malformed_expression_shows_its_error_in_the_drawer_and_saves_nothing(client_for, alice):
    data = form_data(include="(tesla OR ford", exclude="recall AND")
    response = client_for(alice).post(reverse("reports:rule_create"), data, headers=HTMX)

    page = response.content.decode()
    assert response.status_code == 200
    assert "This parenthesis is never closed (position 1)" in page
    assert "AND needs a term after it (position 8)" in page
    assert "(tesla OR ford" in page  # What the user typed stays in place.
    assert not KeywordRule.objects.exists()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "x" * 101}, "at most 100 characters"),
        ({"include": "tesla OR " * 230}, "at most 2000 characters"),
        ({"include": 'tesla ""'}, "This phrase is empty (position 7)"),
        ({"include": "tesla NEAR recall"}, "NEAR needs a distance in words, e.g. NEAR/5"),
    ],
)
def test_bad_input_is_refused_with_a_message(client_for, alice, values, message):
    response = client_for(alice).post(reverse("reports:rule_create"), form_data(**values))

    assert message in response.content.decode()
    assert not KeywordRule.objects.exists()


def test_a_duplicate_name_is_refused_next_to_the_name(client_for, alice, org_a):
    keyword_rule_create(organization=org_a, name="Cars", include="tesla")

    response = client_for(alice).post(reverse("reports:rule_create"), form_data())

    assert "A rule with this name already exists; choose another." in response.content.decode()
    assert KeywordRule.objects.count() == 1


def test_the_live_preview_counts_matching_articles_with_a_few_titles(client_for, alice, org_a):
    make_article(org_a, n=1, title="Tesla recalls cars", text="Tesla recalls 300,000 cars.")
    make_article(org_a, n=2, title="Ford results", text="Ford posted results.")
    make_article(org_a, n=3, title="Bakery news", text="Bread prices rose.")

    response = client_for(alice).post(
        reverse("reports:rule_preview"), {"include": "tesla OR ford", "exclude": "recall*"}
    )

    page = response.content.decode()
    assert "This rule matched 1 of the last 3 articles" in page
    assert "the other 2 would be excluded" in page
    assert "Ford results" in page and "Tesla recalls cars" not in page


def test_the_live_preview_shows_the_parse_error_in_place(client_for, alice):
    response = client_for(alice).post(
        reverse("reports:rule_preview"), {"include": "tesla AND", "exclude": "(a"}
    )

    page = response.content.decode()
    # Only the content: the element with the triggers stays (replacing it lost keystrokes).
    assert 'id="rule-preview"' not in page and "hx-trigger" not in page
    assert "Analyse only: AND needs a term after it (position 7)" in page
    assert "Never analyse: This parenthesis is never closed (position 1)" in page


def test_the_preview_never_reads_another_organizations_articles(client_for, alice, org_b):
    make_article(org_b, n=9, title="Charlie's Tesla story", text="Tesla news for B.")

    page = client_for(alice).post(reverse("reports:rule_preview"), {"include": "tesla"})

    assert "No articles yet" in page.content.decode()


def test_editing_disabling_and_deleting_a_rule(client_for, alice, org_a):
    rule = keyword_rule_create(organization=org_a, name="Cars", include="tesla")
    client = client_for(alice)

    client.post(reverse("reports:rule_edit", args=[rule.pk]), form_data(name="EVs", enabled=""))
    rule.refresh_from_db()
    assert (rule.name, rule.enabled) == ("EVs", False)

    client.post(reverse("reports:rule_toggle", args=[rule.pk]))
    rule.refresh_from_db()
    assert rule.enabled

    confirm = client.get(reverse("reports:rule_delete", args=[rule.pk]), headers=HTMX)
    assert "Delete “EVs”?" in confirm.content.decode()
    assert KeywordRule.objects.exists()  # Asking is not deleting.
    client.post(reverse("reports:rule_delete", args=[rule.pk]))
    assert not KeywordRule.objects.exists()


def test_a_job_rule_is_added_from_the_job_page(client_for, alice, org_a):
    make_feed(org_a, "https://news.example/feed.xml")
    job = make_job(org_a)
    client = client_for(alice)
    job_page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert f"{reverse('reports:rule_create')}?job={job.pk}" in job_page

    form = client.get(f"{reverse('reports:rule_create')}?job={job.pk}").content.decode()
    assert f'<option value="{job.pk}" selected>' in form
    back = reverse("jobs:detail", args=[job.pk])
    response = client.post(
        reverse("reports:rule_create"), form_data(job=job.pk, next=back), headers=HTMX
    )

    assert response.headers["HX-Redirect"] == back
    assert KeywordRule.objects.get().job == job
    assert "tesla OR ford" in client.get(back).content.decode()


def test_charlie_cannot_see_edit_toggle_or_delete_alices_rule(client_for, charlie, org_a):
    rule = keyword_rule_create(organization=org_a, name="Cars", include="tesla")
    client = client_for(charlie)

    for name in ("reports:rule_edit", "reports:rule_delete"):
        assert client.get(reverse(name, args=[rule.pk])).status_code == 404
    assert client.post(reverse("reports:rule_toggle", args=[rule.pk])).status_code == 404
    assert client.post(reverse("reports:rule_delete", args=[rule.pk])).status_code == 404
    assert "Cars" not in client.get(reverse("reports:rules")).content.decode()
    rule.refresh_from_db()
    assert rule.enabled


def test_charlie_cannot_attach_a_rule_to_alices_job(client_for, charlie, org_a):
    make_feed(org_a, "https://news.example/feed.xml")
    job = make_job(org_a)

    response = client_for(charlie).post(reverse("reports:rule_create"), form_data(job=job.pk))

    assert "Select a valid choice" in response.content.decode()
    assert not KeywordRule.objects.exists()


def test_excluded_articles_leave_the_reports_list_but_a_filter_and_the_pages_show_them(
    client_for, alice, org_a, no_llm
):
    keyword_rule_create(organization=org_a, name="Cars only", include="tesla")
    excluded = report_analyse(article=make_article(org_a, n=1, title="Sportswear news"))
    Report.objects.filter(pk=excluded.pk).update(tokens_saved=1200, cost_saved=Decimal("0.18"))
    client = client_for(alice)

    default = client.get(reverse("reports:list")).content.decode()
    assert "Sportswear news" not in default
    filtered = client.get(reverse("reports:list"), {"status": "excluded"}).content.decode()
    assert "Sportswear news" in filtered and "by rule “Cars only”" in filtered
    detail = client.get(excluded.get_absolute_url()).content.decode()
    assert "Excluded by rule “Cars only”" in detail
    article_page = client.get(excluded.article.get_absolute_url()).content.decode()
    assert "excluded by rule “Cars only”" in article_page
    dashboard = " ".join(re.sub(r"<[^>]+>", " ", client.get("/").content.decode()).split())
    # This week's story, but no analysed report: the count the Reports link shows.
    assert "This week: 1 new story (a story carried by several feeds counts once), 0 analysed" in (
        dashboard
    )
    rules_page = client.get(reverse("reports:rules")).content.decode()
    assert "1 article excluded this month" in rules_page
    assert "~$0.18 of LLM cost saved" in rules_page


def test_without_javascript_the_preview_button_answers_in_the_form_without_saving(
    client_for, alice, org_a
):
    make_article(org_a, n=1, title="Tesla sales", text="Tesla sold cars.")

    response = client_for(alice).post(reverse("reports:rule_create"), form_data(_preview="1"))

    page = response.content.decode()
    assert "This rule matched 1 of the last 1 article" in page
    assert 'value="Cars"' in page
    assert not KeywordRule.objects.exists()
