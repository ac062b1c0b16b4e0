"""Confirm, reject and "this is actually…" on a report's mentions, with and without htmx."""

import pytest
from django.urls import reverse
from lxml import html

from reports.models import (
    BlockedTerm,
    Brand,
    BrandAlias,
    BrandStatus,
    FeedbackAction,
    FeedbackEvent,
    Mention,
    Report,
    ReviewStatus,
)
from tests.reports.page_data import add_mention, make_article, make_brand, make_report

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def mention(org_a):
    brand = make_brand(org_a, "Globex", status=BrandStatus.UNREVIEWED)
    report = make_report(make_article(org_a, "/1"))
    return add_mention(report, brand)


@pytest.fixture
def other_brand(org_a):
    return make_brand(org_a, "Acme Corp")


def url(name: str, mention: Mention) -> str:
    return reverse(f"reports:{name}", args=[mention.pk])


def test_confirming_with_htmx_answers_with_the_row_and_a_toast(client_for, alice, mention):
    response = client_for(alice).post(url("mention_confirm", mention), **HTMX)

    assert response.status_code == 200
    fragment = html.fragment_fromstring(response.content.decode(), create_parent="div")
    [row] = fragment.xpath("//tr")
    assert row.get("id") == f"mention-{mention.pk}" and "review-confirmed" in row.get("class")
    assert "Confirmed" in row.text_content() and "by Alice" in row.text_content()
    assert not row.xpath(".//button[text()='Confirm']")  # Already confirmed.
    [toasts] = fragment.xpath("//div[@id='toasts']")
    assert toasts.get("hx-swap-oob") == "beforeend"
    assert "Confirmed: the article names “Globex”." in toasts.text_content()
    mention.refresh_from_db()
    mention.brand.refresh_from_db()
    assert (mention.review_status, mention.reviewed_by.username) == ("confirmed", "alice")
    assert mention.brand.status == BrandStatus.TRACKED
    assert FeedbackEvent.objects.get().action == FeedbackAction.CONFIRM


def test_confirming_without_javascript_goes_back_to_the_report(client_for, alice, mention):
    client = client_for(alice)

    response = client.post(url("mention_confirm", mention))

    assert response.status_code == 302
    assert response["Location"] == f"{mention.report.get_absolute_url()}#mention-{mention.pk}"
    page = client.get(response["Location"]).content.decode()
    assert "Confirmed: the article names “Globex”." in page  # The toast, on the page.


def test_rejecting_strikes_the_row_and_blocks_the_words(client_for, alice, mention):
    response = client_for(alice).post(url("mention_reject", mention), **HTMX)

    row = html.fragment_fromstring(response.content.decode(), create_parent="div").xpath("//tr")[0]
    assert "review-rejected" in row.get("class")
    assert row.xpath(".//button[text()='Confirm']") and not row.xpath(".//button[text()='Reject']")
    assert "will not be reported as a brand again" in response.content.decode()
    assert BlockedTerm.objects.filter(organization=mention.organization, normalized="globex")


def test_the_actions_only_accept_posts(client_for, alice, mention):
    client = client_for(alice)

    assert client.get(url("mention_confirm", mention)).status_code == 405
    assert client.get(url("mention_reject", mention)).status_code == 405
    mention.refresh_from_db()
    assert mention.review_status == ReviewStatus.UNREVIEWED


@pytest.mark.parametrize("action", ["mention_confirm", "mention_reject", "mention_reassign"])
def test_another_organizations_mention_is_a_404_and_stays_unchanged(
    client_for, charlie, mention, action
):
    response = client_for(charlie).post(url(action, mention), {"brand": "Initech"}, **HTMX)

    assert response.status_code == 404
    mention.refresh_from_db()
    assert (mention.review_status, mention.brand.name) == ("unreviewed", "Globex")
    assert not FeedbackEvent.objects.exists() and not BlockedTerm.objects.exists()
    assert not Brand.objects.filter(name="Initech").exists()


def test_the_reassign_drawer_offers_the_organizations_brands(
    client_for, alice, mention, other_brand, org_b
):
    make_brand(org_b, "Their Brand")

    response = client_for(alice).get(url("mention_reassign", mention), **HTMX)

    fragment = html.fragment_fromstring(response.content.decode(), create_parent="div")
    assert fragment.xpath("//h2/text()") == ["“Globex” is actually…"]
    assert fragment.xpath("//datalist[@id='brand-names']/option/@value") == ["Acme Corp"]
    assert fragment.xpath("//input[@name='brand']/@list") == ["brand-names"]
    assert not fragment.xpath("//html")  # Only the drawer, not the page.


def test_reassigning_to_an_existing_brand_moves_the_mention_and_adds_an_alias(
    client_for, alice, mention, other_brand
):
    response = client_for(alice).post(
        url("mention_reassign", mention), {"brand": "acme corp"}, **HTMX
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == mention.report.get_absolute_url()
    mention.refresh_from_db()
    assert mention.brand == other_brand and mention.review_status == "confirmed"
    assert BrandAlias.objects.get(brand=other_brand).alias == "Globex"
    assert FeedbackEvent.objects.get().action == FeedbackAction.REASSIGN


def test_an_alias_names_its_brand(client_for, alice, mention, other_brand):
    BrandAlias.objects.create(
        organization=other_brand.organization, brand=other_brand, alias="ACME", normalized="acme"
    )

    client_for(alice).post(url("mention_reassign", mention), {"brand": "Acme"})

    mention.refresh_from_db()
    assert mention.brand == other_brand


def test_a_new_name_makes_a_new_tracked_brand_of_the_organization(
    client_for, alice, mention, org_a, org_b
):
    theirs = make_brand(org_b, "Initech")

    response = client_for(alice).post(url("mention_reassign", mention), {"brand": "Initech"})

    assert response.status_code == 302
    mention.refresh_from_db()
    assert mention.brand != theirs
    assert (mention.brand.organization, mention.brand.name) == (org_a, "Initech")
    assert mention.brand.status == BrandStatus.TRACKED


@pytest.mark.parametrize(
    "name, error",
    [
        ("", "This field is required."),
        ("®", "Enter a brand name."),
        ("Globex", "This mention is already “Globex”: confirm it instead."),
    ],
)
def test_a_bad_brand_name_keeps_the_drawer_open_with_an_error(
    client_for, alice, mention, name, error
):
    response = client_for(alice).post(url("mention_reassign", mention), {"brand": name}, **HTMX)

    assert response.status_code == 200
    errors = html.fragment_fromstring(response.content.decode(), create_parent="div").xpath(
        "//p[@class='field-error']/text()"
    )
    assert errors == [error]
    mention.refresh_from_db()
    assert (mention.brand.name, mention.review_status) == ("Globex", "unreviewed")


ARTICLE_TEXT = (
    "Acme Corp opened a new factory in Lyon on Monday, the company said. "
    "The plant will build batteries in partnership with Globex Industries Inc., which supplies "
    "cells.\n\nAnalysts at Initech Ltd. said the move was a strong signal for the region."
)


def analysed(org_a):
    from reports.services.analyse import AnalysisOptions, report_analyse

    make_brand(org_a, "Acme Corp")
    article = make_article(org_a, "/analysed", title="Acme opens a plant", text=ARTICLE_TEXT)
    return report_analyse(article=article, options=AnalysisOptions(use_llm=False))


def test_an_analysed_article_shows_its_evidence_highlighted(client_for, alice, org_a):
    report = analysed(org_a)
    mentions = {m.brand.name: m for m in report.mentions.select_related("brand")}
    assert {"Acme Corp", "Globex Industries"} <= set(mentions)

    response = client_for(alice).get(reverse("reports:detail", args=[report.pk]))

    page = html.fromstring(response.content.decode())
    for mention in mentions.values():
        # Its own mark, or (evidence shared with another mention) an anchor just before it.
        [anchor] = page.xpath(f"//*[@id='evidence-{mention.pk}']")
        mark = anchor if anchor.tag == "mark" else anchor.xpath("following-sibling::mark[1]")[0]
        assert ARTICLE_TEXT[mention.evidence_start :].startswith(mark.text_content())
        assert str(mention.pk) in mark.get("data-mentions").split()
    marked = "".join(m.text_content() for m in page.xpath("//mark"))
    assert "Acme Corp opened a new factory in Lyon" in marked
    assert "partnership with Globex Industries Inc." in marked


def test_a_rejection_on_the_page_keeps_the_brand_out_of_the_next_analysis(client_for, alice, org_a):
    from reports.services.analyse import AnalysisOptions, report_analyse

    report = analysed(org_a)
    globex = report.mentions.get(brand__name="Globex Industries")

    client_for(alice).post(url("mention_reject", globex), **HTMX)
    again = report_analyse(
        article=report.article, options=AnalysisOptions(use_llm=False, reanalyse=True)
    )

    names = set(again.mentions.values_list("brand__name", flat=True))
    assert "Globex Industries" not in names and "Acme Corp" in names


# The admin console: every model opens, and its actions go through the services.


@pytest.fixture
def operator(client_for, db):
    from django.contrib.auth.models import User

    return client_for(User.objects.create_superuser("ops", "ops@example.com", "x"))


def test_every_reports_model_opens_in_the_admin(operator, mention):
    from accounts.models import UsageDaily

    UsageDaily.objects.create(organization=mention.organization, date="2026-03-01")
    models = [
        "reports/report",
        "reports/brand",
        "reports/brandgroup",
        "reports/brandalias",
        "reports/mention",
        "reports/blockedterm",
        "reports/industry",
        "reports/brandseparation",
        "reports/feedbackevent",
        "reports/extractioncache",
        "accounts/usagedaily",
    ]
    for model in models:
        assert operator.get(f"/admin/{model}/").status_code == 200, model
    assert operator.get(f"/admin/reports/brand/{mention.brand_id}/change/").status_code == 200
    assert operator.get("/admin/reports/report/?q=Story").status_code == 200


def test_the_admin_marks_brands_tracked_through_the_feedback_service(operator, mention):
    response = operator.post(
        "/admin/reports/brand/",
        {"action": "mark_tracked", "_selected_action": [mention.brand_id], "post": "yes"},
        follow=True,
    )

    assert "1 brand marked tracked." in response.content.decode()
    mention.brand.refresh_from_db()
    assert mention.brand.status == BrandStatus.TRACKED
    event = FeedbackEvent.objects.get()
    assert (event.action, event.actor.username) == (FeedbackAction.EDIT, "ops")


def test_the_admin_reanalyses_selected_reports(operator, org_a):
    report = analysed(org_a)
    BlockedTerm.objects.create(
        organization=org_a, term="Globex Industries", normalized="globex industries"
    )

    response = operator.post(
        "/admin/reports/report/",
        {"action": "reanalyse", "_selected_action": [report.pk], "post": "yes"},
        follow=True,
    )

    assert "1 report re-analysed." in response.content.decode()
    again = Report.objects.get(article=report.article)
    assert again.analysed_at > report.analysed_at
    assert "Globex Industries" not in set(again.mentions.values_list("brand__name", flat=True))
