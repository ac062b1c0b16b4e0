"""Watchlist pages: add a brand in the drawer, import a list, track / ignore from the lists and
the report, bulk review, groups and the group filters; bad input and other organizations."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from lxml import html

from reports.models import Brand, BrandGroup, BrandStatus, FeedbackEvent
from reports.services.watchlists import brand_group_create
from tests.reports.page_data import (
    add_mention,
    make_article,
    make_brand,
    make_industry,
    make_report,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ADD_URL = reverse("brands:add")
IMPORT_URL = reverse("brands:import")
REVIEW_URL = reverse("brands:review")
GROUPS_URL = reverse("brands:groups")


def doc(response):
    return html.fromstring(response.content.decode())


def text(response) -> str:
    return " ".join(doc(response).text_content().split())


def field_errors(response) -> list[str]:
    return [
        " ".join(p.text_content().split()) for p in doc(response).xpath("//*[@class='field-error']")
    ]


def brand_names(org) -> set[str]:
    return set(Brand.objects.filter(organization=org).values_list("name", flat=True))


# Adding a brand -------------------------------------------------------------------------


def test_the_brands_page_opens_the_add_drawer_with_a_plain_link_beside_it(client_for, alice):
    page = doc(client_for(alice).get(reverse("brands:list")))

    [link] = page.xpath("//a[normalize-space()='Add brand']")
    assert link.get("href") == ADD_URL and link.get("hx-get") == ADD_URL
    assert link.get("hx-target") == "#drawer"
    assert page.xpath(f"//a[@href='{IMPORT_URL}' and @hx-get='{IMPORT_URL}']")
    assert page.xpath(f"//a[@href='{REVIEW_URL}']") and page.xpath(f"//a[@href='{GROUPS_URL}']")


def test_the_add_drawer_offers_the_organizations_industries_and_groups(
    client_for, alice, org_a, org_b
):
    make_industry(org_a, "Automotive")
    make_industry(org_b, "Theirs Industry")
    brand_group_create(organization=org_a, name="Clients")
    brand_group_create(organization=org_b, name="Their group")

    response = client_for(alice).get(ADD_URL, **HTMX)

    page = html.fragment_fromstring(response.content.decode(), create_parent="div")
    assert page.xpath("//form[@hx-post]//h2")[0].text == "Add a brand to track"
    options = page.xpath("//select[@name='industry']/option/text()")
    assert "Automotive" in options and "Theirs Industry" not in options
    groups = [" ".join(label.text_content().split()) for label in page.xpath("//label[input]")]
    assert groups == ["Clients"]
    assert "<html" not in response.content.decode()  # Only the drawer's partial.


def test_adding_a_brand_tracks_it_and_reloads_the_tracked_list(client_for, alice, org_a):
    cars = make_industry(org_a, "Automotive")
    clients = brand_group_create(organization=org_a, name="Clients")

    client = client_for(alice)
    response = client.post(
        ADD_URL,
        {
            "name": "Acme Rockets",
            "aliases": "ACR; Acme Rocket Co",
            "website": "acme.example",
            "industry": cars.pk,
            "groups": [clients.pk],
        },
        **HTMX,
    )

    assert response["HX-Redirect"] == reverse("brands:list") + "?status=tracked"
    brand = Brand.objects.get(organization=org_a)
    assert (brand.name, brand.status, brand.industry, brand.website) == (
        "Acme Rockets",
        BrandStatus.TRACKED,
        cars,
        "https://acme.example",
    )
    assert list(brand.groups.all()) == [clients]
    listing = client.get(reverse("brands:list") + "?status=tracked")
    assert "“Acme Rockets” is now tracked." in text(listing)
    assert "Acme Rockets" in text(listing)


def test_adding_a_discovered_brand_tracks_it_instead_of_adding_a_second_one(
    client_for, alice, org_a
):
    discovered = make_brand(org_a, "Globex", status=BrandStatus.UNREVIEWED)

    response = client_for(alice).post(ADD_URL, {"name": "globex"}, follow=True)

    assert "“Globex” was already known: it is tracked and updated." in text(response)
    discovered.refresh_from_db()
    assert discovered.status == BrandStatus.TRACKED
    assert brand_names(org_a) == {"Globex"}


@pytest.mark.parametrize(
    "values, message",
    [
        ({"name": "X"}, "“X” is too short: a brand name needs 2 characters."),
        ({"name": "A" * 300}, "The name is 300 characters long; the limit is 200."),
        ({"name": ""}, "This field is required."),
        (
            {"name": "Acme", "website": "no such site"},
            "“https://no such site” is not a web address.",
        ),
        ({"name": "Acme", "aliases": "Initech"}, "“Initech” is already a name of another brand"),
    ],
)
def test_a_bad_brand_keeps_the_drawer_open_with_the_message_and_adds_nothing(
    client_for, alice, org_a, values, message
):
    make_brand(org_a, "Initech", status=BrandStatus.UNREVIEWED)

    response = client_for(alice).post(ADD_URL, values, **HTMX)

    assert response.status_code == 200 and "HX-Redirect" not in response
    assert any(error.startswith(message) for error in field_errors(response)), field_errors(
        response
    )
    assert brand_names(org_a) == {"Initech"}
    assert not FeedbackEvent.objects.exists()


# Importing a list -------------------------------------------------------------------------


def upload(content: bytes, name: str = "brands.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_an_uploaded_csv_is_imported_and_summarised(client_for, alice, org_a):
    make_brand(org_a, "Globex", status=BrandStatus.UNREVIEWED)
    content = b"name,aliases,group\nAcme,ACR,Clients\nGlobex,,Competitors\nQ,,\n"

    response = client_for(alice).post(IMPORT_URL, {"file": upload(content)}, **HTMX)

    summary = " ".join(
        html.fragment_fromstring(response.content.decode(), create_parent="div")
        .xpath("//*[@class='import-report']")[0]
        .text_content()
        .split()
    )
    assert "1 added, 1 updated, 1 skipped." in summary
    assert "New groups: Clients, Competitors." in summary
    assert "Line 4 (“Q”): “Q” is too short: a brand name needs 2 characters." in summary
    assert brand_names(org_a) == {"Acme", "Globex"}
    assert set(Brand.objects.values_list("status", flat=True)) == {BrandStatus.TRACKED}


def test_a_pasted_list_is_imported(client_for, alice, org_a):
    response = client_for(alice).post(IMPORT_URL, {"text": "Acme\nGlobex\n"})

    assert "2 added, 0 updated, 0 skipped." in text(response)
    assert brand_names(org_a) == {"Acme", "Globex"}


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "The list is empty: write one brand per line, or upload a CSV."),
        ({"file": upload(b"x" * (5 * 1024 * 1024))}, "The list is 5.0 MB; the limit is 1 MB"),
        ({"file": upload(b"name,colour\nAcme,red\n")}, "Unknown column “colour”"),
        ({"file": upload("name\nNestlé\n".encode("utf-16"))}, "The file is not UTF-8 text"),
        ({"text": "Acme, Inc\nGlobex, Corp\n"}, "A CSV needs a header row"),
    ],
    ids=["empty", "5mb", "unknown-column", "utf16", "no-header"],
)
def test_a_bad_file_is_refused_with_a_message_and_imports_nothing(
    client_for, alice, org_a, data, message
):
    response = client_for(alice).post(IMPORT_URL, data, **HTMX)

    assert response.status_code == 200
    errors = " ".join(
        html.fragment_fromstring(response.content.decode(), create_parent="div")
        .xpath("//*[@class='form-errors']")[0]
        .text_content()
        .split()
    )
    assert message in errors
    assert not Brand.objects.exists() and not BrandGroup.objects.exists()


# Track and ignore -------------------------------------------------------------------------


def test_track_and_ignore_from_the_brands_list_come_back_to_it(client_for, alice, org_a):
    globex = make_brand(org_a, "Globex", status=BrandStatus.UNREVIEWED)
    client = client_for(alice)
    listing = doc(client.get(reverse("brands:list")))
    [track_form] = listing.xpath(f"//form[@action='{reverse('brands:track', args=[globex.pk])}']")
    back = track_form.xpath(".//input[@name='next']")[0].get("value")

    response = client.post(reverse("brands:track", args=[globex.pk]), {"next": back})

    assert response.status_code == 302 and response["Location"] == back
    globex.refresh_from_db()
    assert globex.status == BrandStatus.TRACKED

    response = client.post(reverse("brands:ignore", args=[globex.pk]), {"next": back}, follow=True)

    assert "“Globex” is ignored: it will not be reported any more." in text(response)
    globex.refresh_from_db()
    assert globex.status == BrandStatus.IGNORED


def test_the_report_offers_track_and_ignore_on_each_mention(client_for, alice, org_a):
    report = make_report(make_article(org_a, "/plant"))
    acme = make_brand(org_a, "Acme Corp", status=BrandStatus.UNREVIEWED)
    mention = add_mention(report, acme)
    client = client_for(alice)

    row = doc(client.get(report.get_absolute_url())).xpath(f"//tr[@id='mention-{mention.pk}']")[0]
    buttons = [b.text_content() for b in row.xpath(".//button")]
    assert "Track" in buttons and "Ignore" in buttons

    response = client.post(
        reverse("brands:ignore", args=[acme.pk]), {"next": report.get_absolute_url()}, **HTMX
    )

    assert response["HX-Redirect"] == report.get_absolute_url()
    row = doc(client.get(report.get_absolute_url())).xpath(f"//tr[@id='mention-{mention.pk}']")[0]
    assert "ignored brand" in row.text_content()
    # The reports list no longer shows the ignored brand among the report's brands.
    listing = doc(client.get(reverse("reports:list")))
    assert "Acme Corp" not in listing.xpath("//td[@class='chips']")[0].text_content()


def test_track_and_ignore_accept_posts_only(client_for, alice, org_a):
    globex = make_brand(org_a, "Globex", status=BrandStatus.UNREVIEWED)

    response = client_for(alice).get(reverse("brands:ignore", args=[globex.pk]))

    assert response.status_code == 405
    globex.refresh_from_db()
    assert globex.status == BrandStatus.UNREVIEWED


def test_the_next_address_never_leaves_the_site(client_for, alice, org_a):
    globex = make_brand(org_a, "Globex", status=BrandStatus.UNREVIEWED)

    response = client_for(alice).post(
        reverse("brands:track", args=[globex.pk]), {"next": "https://evil.example/"}
    )

    assert response["Location"] == globex.get_absolute_url()


# Bulk review ------------------------------------------------------------------------------


def test_the_review_page_lists_only_unreviewed_brands_of_the_organization(
    client_for, alice, org_a, org_b
):
    make_brand(org_a, "Unreviewed One", status=BrandStatus.UNREVIEWED)
    make_brand(org_a, "Tracked One")
    make_brand(org_b, "Their Unreviewed", status=BrandStatus.UNREVIEWED)

    page = doc(client_for(alice).get(REVIEW_URL))

    assert [label.text for label in page.xpath("//tbody//label")] == ["Unreviewed One"]


def test_bulk_ignore_asks_for_confirmation_then_reports_the_count(client_for, alice, org_a):
    a, b = (make_brand(org_a, n, status=BrandStatus.UNREVIEWED) for n in ("Monday", "Dr Smith"))
    make_brand(org_a, "Keep Me", status=BrandStatus.UNREVIEWED)
    client = client_for(alice)

    asked = client.post(REVIEW_URL, {"brands": [a.pk, b.pk], "action": "ignore"})

    assert "Ignore 2 brands?" in text(asked)
    assert set(Brand.objects.values_list("status", flat=True)) == {BrandStatus.UNREVIEWED}
    confirm = doc(asked).xpath("//form[.//input[@name='confirm']]")[0]
    data = {}
    for field in confirm.xpath(".//input[@name!='csrfmiddlewaretoken']"):
        data.setdefault(field.get("name"), []).append(field.get("value"))

    done = client.post(REVIEW_URL, data, follow=True)

    assert "2 brands ignored." in text(done)
    statuses = dict(Brand.objects.values_list("name", "status"))
    assert statuses == {
        "Monday": BrandStatus.IGNORED,
        "Dr Smith": BrandStatus.IGNORED,
        "Keep Me": BrandStatus.UNREVIEWED,
    }
    assert [label.text for label in doc(done).xpath("//tbody//label")] == ["Keep Me"]


def test_bulk_merge_moves_the_brands_into_the_target(client_for, alice, org_a):
    target = make_brand(org_a, "Globex")
    a = make_brand(org_a, "Globex Corp EU", status=BrandStatus.UNREVIEWED)
    report = make_report(make_article(org_a, "/g"))
    add_mention(report, a, surface="Globex")

    response = client_for(alice).post(
        REVIEW_URL,
        {"brands": [a.pk], "action": "merge", "target": target.pk, "confirm": "yes"},
        follow=True,
    )

    assert "1 brand merged into “Globex”." in text(response)
    a.refresh_from_db()
    assert a.merged_into == target and report.mentions.get().brand == target


@pytest.mark.parametrize(
    "data, message",
    [
        ({"action": "track"}, "Tick at least one brand."),
        ({"action": "merge", "pick": True}, "Choose the brand to merge into."),
    ],
)
def test_bulk_review_without_brands_or_target_says_so(client_for, alice, org_a, data, message):
    brand = make_brand(org_a, "Globex", status=BrandStatus.UNREVIEWED)
    if data.pop("pick", False):
        data["brands"] = [brand.pk]

    response = client_for(alice).post(REVIEW_URL, {**data, "confirm": "yes"})

    assert message in field_errors(response)
    brand.refresh_from_db()
    assert brand.status == BrandStatus.UNREVIEWED and brand.merged_into is None


# Groups -------------------------------------------------------------------------------------


def test_groups_are_created_renamed_and_deleted_from_their_page(client_for, alice, org_a):
    client = client_for(alice)
    client.post(GROUPS_URL, {"name": "Clients"})
    group = BrandGroup.objects.get(organization=org_a)
    acme = make_brand(org_a, "Acme")
    acme.groups.add(group)

    duplicate = client.post(GROUPS_URL, {"name": "clients"})
    assert "There is already a group called “Clients”." in field_errors(duplicate)

    renamed = client.post(
        reverse("brands:group_edit", args=[group.pk]), {"name": "Key clients"}, **HTMX
    )
    assert renamed["HX-Redirect"] == GROUPS_URL
    drawer = client.get(reverse("brands:group_delete", args=[group.pk]), **HTMX)
    assert "its 1 brand(s) stay" in drawer.content.decode()

    deleted = client.post(reverse("brands:group_delete", args=[group.pk]), follow=True)

    assert "Group “Key clients” deleted; its 1 brand stay." in text(deleted)
    assert not BrandGroup.objects.exists()
    assert Brand.objects.filter(pk=acme.pk).exists()


def test_the_brand_and_report_lists_filter_by_group(client_for, alice, org_a):
    clients = brand_group_create(organization=org_a, name="Clients")
    acme, globex = make_brand(org_a, "Acme Corp"), make_brand(org_a, "Globex")
    acme.groups.add(clients)
    add_mention(make_report(make_article(org_a, "/a", title="About Acme")), acme)
    add_mention(make_report(make_article(org_a, "/g", title="About Globex")), globex)
    client = client_for(alice)

    brands = doc(client.get(reverse("brands:list"), {"group": clients.pk}))
    reports = doc(client.get(reverse("reports:list"), {"group": clients.pk}))

    assert [a.text_content() for a in brands.xpath("//tbody/tr/td[1]/a")] == ["Acme Corp"]
    titles = " ".join(reports.xpath("//tbody")[0].text_content().split())
    assert "About Acme" in titles and "About Globex" not in titles
    assert reports.xpath(f"//select[@name='group']/option[@value='{clients.pk}']/text()") == [
        "Clients"
    ]


def test_the_brand_edit_drawer_sets_the_groups(client_for, alice, org_a):
    clients = brand_group_create(organization=org_a, name="Clients")
    acme = make_brand(org_a, "Acme")

    client_for(alice).post(
        reverse("brands:edit", args=[acme.pk]),
        {"name": "Acme", "status": "tracked", "groups": [clients.pk]},
    )

    assert list(acme.groups.all()) == [clients]
    page = doc(client_for(alice).get(acme.get_absolute_url()))
    assert page.xpath("//a[contains(@class,'chip group')]/text()") == ["Clients"]


# Other organizations ----------------------------------------------------------------------


def test_charlie_cannot_touch_alices_brands_or_groups(client_for, alice, charlie, org_a):
    globex = make_brand(org_a, "Globex", status=BrandStatus.UNREVIEWED)
    clients = brand_group_create(organization=org_a, name="Clients")
    client = client_for(charlie)

    for response in (
        client.post(reverse("brands:track", args=[globex.pk])),
        client.post(reverse("brands:ignore", args=[globex.pk])),
        client.get(reverse("brands:group_edit", args=[clients.pk])),
        client.post(reverse("brands:group_edit", args=[clients.pk]), {"name": "Mine"}),
        client.post(reverse("brands:group_delete", args=[clients.pk])),
    ):
        assert response.status_code == 404
    bulk = client.post(REVIEW_URL, {"brands": [globex.pk], "action": "ignore", "confirm": "yes"})
    assert bulk.status_code == 200  # Refused as an unknown choice, not done.

    globex.refresh_from_db()
    clients.refresh_from_db()
    assert (globex.status, clients.name) == (BrandStatus.UNREVIEWED, "Clients")
    assert "Globex" not in text(client.get(REVIEW_URL))


def test_the_dashboard_links_the_tracked_count_to_the_tracked_brands(client_for, alice, org_a):
    page = doc(client_for(alice).get(reverse("dashboard")))

    [card] = page.xpath("//div[@class='figure-card'][.//a[text()='Brands tracked']]")
    assert card.xpath(".//a")[0].get("href") == reverse("brands:list") + "?status=tracked"
    assert "Add the brands you watch" in card.text_content()


def test_the_contacts_import_points_to_a_page_that_adds_brands(client_for, alice):
    from contacts.resources import BrandNameWidget

    with pytest.raises(ValueError) as error:
        BrandNameWidget(None).clean("Unknown Brand")

    assert ADD_URL in str(error.value)
    assert client_for(alice).get(ADD_URL).status_code == 200
