"""Watchlists in Chromium, on a phone (390 px) and a laptop (1366 px): add a brand in the
drawer with the keyboard alone, see it tracked, and track a discovered brand from the list."""

import pytest
from playwright.sync_api import Page, expect

from reports.models import Brand, BrandStatus, Industry
from reports.services.watchlists import brand_group_create
from tests.reports.page_data import make_brand, make_industry

pytestmark = pytest.mark.browser

WIDTHS = [390, 1366]


def org_a_industry(organization, name: str) -> int:
    return Industry.objects.get(organization=organization, name=name).pk


def open_brands(page: Page, live_server, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/brands/")
    expect(page.get_by_role("heading", name="Brands", level=1)).to_be_visible()


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_alice_adds_a_brand_in_the_drawer_with_the_keyboard_and_sees_it_tracked(
    log_in, live_server, alice, org_a, width
):
    make_industry(org_a, "Automotive")
    brand_group_create(organization=org_a, name="Clients")
    page = log_in("alice")
    open_brands(page, live_server, width)

    add = page.get_by_role("link", name="Add brand")
    add.focus()
    page.keyboard.press("Enter")

    drawer = page.get_by_role("dialog")
    expect(drawer.get_by_role("heading", name="Add a brand to track")).to_be_visible()
    expect(drawer.get_by_label("Name")).to_be_focused()
    page.keyboard.type("Acme Rockets")
    page.keyboard.press("Tab")
    expect(drawer.get_by_label("Aliases")).to_be_focused()
    page.keyboard.type("ACR; Acme Rocket Co")
    page.keyboard.press("Tab")
    page.keyboard.type("acme-rockets.example")
    page.keyboard.press("Tab")
    expect(drawer.get_by_label("Industry")).to_be_focused()
    page.keyboard.press("End")  # A focused select takes its last option: Automotive.
    expect(drawer.get_by_label("Industry")).to_have_value(str(org_a_industry(org_a, "Automotive")))
    page.keyboard.press("Tab")
    expect(drawer.get_by_label("Clients")).to_be_focused()
    page.keyboard.press("Space")
    expect(drawer.get_by_label("Clients")).to_be_checked()
    # Measured once the slide-in has ended (a loaded CI machine was still mid-way, 9 px off).
    expect(page.locator(".drawer")).to_have_css("transform", "matrix(1, 0, 0, 1, 0, 0)")
    drawer_box = page.locator(".drawer").bounding_box()
    assert drawer_box["x"] + drawer_box["width"] <= width + 1  # The drawer fits the screen.
    page.keyboard.press("Tab")
    expect(drawer.get_by_role("button", name="Track brand")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.locator("#drawer-root")).to_be_hidden()
    expect(page.locator(".toast")).to_contain_text("“Acme Rockets” is now tracked.")
    row = page.locator("tbody tr", has_text="Acme Rockets")
    expect(row).to_contain_text("tracked")
    expect(row).to_contain_text("Automotive")
    assert no_sideways_scroll(page)
    brand = Brand.objects.get(organization=org_a, name="Acme Rockets")
    assert brand.status == BrandStatus.TRACKED
    assert list(brand.groups.values_list("name", flat=True)) == ["Clients"]
    assert sorted(brand.aliases.values_list("alias", flat=True)) == ["ACR", "Acme Rocket Co"]


@pytest.mark.parametrize("width", WIDTHS)
def test_a_too_short_name_keeps_the_drawer_open_with_the_message(
    log_in, live_server, alice, org_a, width
):
    page = log_in("alice")
    open_brands(page, live_server, width)
    page.get_by_role("link", name="Add brand").click()
    drawer = page.get_by_role("dialog")
    drawer.get_by_label("Name").fill("X")
    drawer.get_by_role("button", name="Track brand").click()

    expect(page.locator(".drawer .field-error")).to_have_text(
        "“X” is too short: a brand name needs 2 characters."
    )
    expect(drawer.get_by_label("Name")).to_have_value("X")
    assert not Brand.objects.filter(organization=org_a).exists()


@pytest.mark.parametrize("width", WIDTHS)
def test_alice_tracks_a_discovered_brand_from_the_list(log_in, live_server, alice, org_a, width):
    globex = make_brand(org_a, "Globex", status=BrandStatus.UNREVIEWED)
    page = log_in("alice")
    open_brands(page, live_server, width)

    row = page.locator(f"#brand-{globex.pk}")
    expect(row).to_contain_text("unreviewed")
    row.get_by_role("button", name="Track Globex").click()

    expect(page.locator(".toast")).to_contain_text("“Globex” is tracked")
    expect(page.locator(f"#brand-{globex.pk}")).to_contain_text("tracked")
    expect(
        page.locator(f"#brand-{globex.pk}").get_by_role("button", name="Track Globex")
    ).to_have_count(0)
    assert no_sideways_scroll(page)
    globex.refresh_from_db()
    assert globex.status == BrandStatus.TRACKED


@pytest.mark.parametrize("width", WIDTHS)
def test_alice_pastes_a_list_in_the_import_drawer_and_reads_the_summary(
    log_in, live_server, alice, org_a, width
):
    make_brand(org_a, "Globex", status=BrandStatus.UNREVIEWED)
    page = log_in("alice")
    open_brands(page, live_server, width)
    page.get_by_role("link", name="Import list").click()
    drawer = page.get_by_role("dialog")

    drawer.get_by_label("Or paste names").fill("Acme Rockets\nglobex\nQ\n")
    drawer.get_by_role("button", name="Import").click()

    summary = drawer.locator(".import-report")
    expect(summary).to_contain_text("1 added, 1 updated, 1 skipped.")
    expect(summary).to_contain_text("Line 3 (“Q”): “Q” is too short")
    drawer.get_by_role("link", name="Done").click()
    expect(page.locator("tbody tr", has_text="Acme Rockets")).to_contain_text("tracked")
    expect(page.locator("tbody tr", has_text="Globex")).to_contain_text("tracked")
    assert no_sideways_scroll(page)
