"""Reviewing mentions in Chromium: confirm and reject inline, reassign in the drawer."""

import pytest
from playwright.sync_api import Page, expect

from reports.models import BrandAlias, BrandStatus, Mention
from tests.reports.page_data import add_mention, make_article, make_brand, make_report

pytestmark = pytest.mark.browser


@pytest.fixture
def report(org_a):
    article = make_article(org_a, "/plant", title="Acme opens a plant")
    report = make_report(article, summary="Acme builds a plant in Lyon.")
    add_mention(report, make_brand(org_a, "Acme Corp", status=BrandStatus.UNREVIEWED))
    add_mention(report, make_brand(org_a, "Globex", status=BrandStatus.UNREVIEWED))
    return report


def open_report(page: Page, live_server, report) -> None:
    page.goto(f"{live_server.url}/reports/{report.pk}/")
    expect(page.get_by_role("heading", name="Acme opens a plant", level=1)).to_be_visible()
    # A marker that only survives while this document lives: a reload would drop it.
    page.evaluate("window.__sameDocument = true")


def row(page: Page, mention: Mention):
    return page.locator(f"#mention-{mention.pk}")


def test_alice_confirms_and_rejects_mentions_without_a_reload(log_in, live_server, alice, report):
    acme, globex = report.mentions.order_by("evidence_start")
    page = log_in("alice")
    open_report(page, live_server, report)

    row(page, acme).get_by_role("button", name="Confirm").click()

    expect(row(page, acme)).to_contain_text("Confirmed")
    expect(row(page, acme)).to_contain_text("by Alice")
    expect(row(page, acme).get_by_role("button", name="Confirm")).to_have_count(0)
    expect(page.locator(".toast")).to_contain_text("Confirmed: the article names “Acme Corp”.")

    row(page, globex).get_by_role("button", name="Reject").click()

    expect(row(page, globex)).to_have_class("mention-row review-rejected")
    expect(row(page, globex).locator("td").first).to_have_css(
        "text-decoration-line", "line-through"
    )
    expect(page.locator(".toast").last).to_contain_text("Rejected “Globex”")
    assert page.evaluate("window.__sameDocument") is True
    acme.refresh_from_db()
    globex.refresh_from_db()
    assert (acme.review_status, globex.review_status) == ("confirmed", "rejected")


def test_alice_says_a_mention_is_actually_another_brand(log_in, live_server, alice, org_a, report):
    initech = make_brand(org_a, "Initech")
    globex_mention = report.mentions.get(brand__name="Globex")
    page = log_in("alice")
    open_report(page, live_server, report)

    row(page, globex_mention).get_by_role("link", name="This is actually…").click()

    expect(page.locator("#drawer-root")).to_have_class("drawer-root open")
    drawer = page.locator(".drawer")
    expect(drawer.get_by_role("heading", name="“Globex” is actually…")).to_be_visible()
    expect(drawer.get_by_label("The brand is")).to_be_focused()
    drawer.get_by_label("The brand is").fill("initech")
    drawer.get_by_role("button", name="Reassign").click()

    expect(page.locator("#drawer-root")).to_be_hidden()
    expect(page.locator(".toast")).to_contain_text("“Globex” is now a mention of “Initech”")
    expect(row(page, globex_mention)).to_contain_text("Initech")
    expect(row(page, globex_mention)).to_contain_text("as “Globex”")
    globex_mention.refresh_from_db()
    assert globex_mention.brand == initech
    assert BrandAlias.objects.get(brand=initech).alias == "Globex"


def test_a_bad_name_keeps_the_drawer_open_with_the_error(log_in, live_server, alice, report):
    mention = report.mentions.get(brand__name="Acme Corp")
    page = log_in("alice")
    open_report(page, live_server, report)
    row(page, mention).get_by_role("link", name="This is actually…").click()
    drawer = page.locator(".drawer")

    drawer.get_by_label("The brand is").fill("Acme Corp")
    drawer.get_by_role("button", name="Reassign").click()

    expect(drawer.locator(".field-error")).to_have_text(
        "This mention is already “Acme Corp”: confirm it instead."
    )
    expect(page.locator("#drawer-root")).to_have_class("drawer-root open")
    assert page.evaluate("window.__sameDocument") is True


@pytest.mark.parametrize("width", [390, 1366])
def test_alice_downloads_the_report_as_a_pdf(log_in, live_server, alice, report, width):
    page = log_in("alice")
    page.set_viewport_size({"width": width, "height": 800})
    open_report(page, live_server, report)
    button = page.get_by_role("link", name="Download PDF")
    expect(button).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= width

    with page.expect_download() as download:
        button.click()

    assert download.value.suggested_filename == f"report-{report.pk}-acme-opens-a-plant.pdf"
    assert download.value.path().read_bytes().startswith(b"%PDF-")
