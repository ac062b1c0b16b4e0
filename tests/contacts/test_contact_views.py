"""The contacts pages: list with search and filters, drawer forms, the brand section, a
report's "View contacts" drawer, importing and dismissing suggestions, isolation."""

import pytest
from django.urls import reverse
from lxml import html

from contacts.models import BrandContact
from reports.models import ReviewStatus
from tests.contacts.builders import (
    add_mention,
    make_article,
    make_brand,
    make_contact,
    make_report,
    make_suggestion,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("contacts:list")
CREATE_URL = reverse("contacts:create")
HTMX = {"HX-Request": "true"}


def doc(response):
    return html.fromstring(response.content.decode())


def names(response) -> list[str]:
    return [a.text_content() for a in doc(response).xpath("//tbody/tr/td[1]/a/strong")]


@pytest.fixture
def people(org_a, org_b):
    acme, globex = make_brand(org_a, "Acme"), make_brand(org_a, "Globex")
    return {
        "acme": acme,
        "globex": globex,
        "jane": make_contact(
            acme, "Jane Doe", email="jane@acme.example", verified=True, title="Head of PR"
        ),
        "omar": make_contact(
            globex, "Omar Haddad", title="CMO", source="import", do_not_contact=True
        ),
        "sam": make_suggestion(acme, "Sam Lee", title="Press officer"),
        "other": make_contact(make_brand(org_b, "Acme"), "Olga Other", email="olga@b.example"),
    }


def test_the_list_shows_this_organizations_contacts_only_not_suggestions(client_for, alice, people):
    response = client_for(alice).get(LIST_URL)

    assert response.status_code == 200
    assert names(response) == ["Jane Doe", "Omar Haddad"]
    row = " ".join(
        doc(response)
        .xpath("//tr[@id=$id]", id=f"contact-{people['omar'].pk}")[0]
        .text_content()
        .split()
    )
    assert "do not contact" in row and "File import" in row
    assert "Draft email" not in row  # Nobody drafts to a do-not-contact person.


@pytest.mark.parametrize(
    "query, expected",
    [
        ("q=jane", ["Jane Doe"]),
        ("q=cmo", ["Omar Haddad"]),
        ("q=acme.example", ["Jane Doe"]),
        ("q=omar+globex", ["Omar Haddad"]),
        ("verified=yes", ["Jane Doe"]),
        ("dnc=yes", ["Omar Haddad"]),
        ("source=import", ["Omar Haddad"]),
        ("source=manual&verified=no", []),
    ],
)
def test_search_and_filters_narrow_the_list(client_for, alice, people, query, expected):
    assert names(client_for(alice).get(f"{LIST_URL}?{query}")) == expected


def test_export_links_carry_the_lists_filters_but_not_its_page(client_for, alice, people):
    response = client_for(alice).get(f"{LIST_URL}?q=jane&verified=yes&page=1")

    tree = html.fromstring(response.content)
    links = {
        a.text_content().strip(): a.get("href")
        for a in tree.xpath("//a[contains(@class, 'button')]")
    }
    export = reverse("contacts:export")
    assert links["Export CSV"] == f"{export}?q=jane&verified=yes&format=csv"
    assert links["Export XLSX"] == f"{export}?q=jane&verified=yes&format=xlsx"


def test_the_brand_filter_and_an_invalid_filter_shown_as_an_error(client_for, alice, people):
    client = client_for(alice)
    assert names(client.get(f"{LIST_URL}?brand={people['globex'].pk}")) == ["Omar Haddad"]

    response = client.get(f"{LIST_URL}?brand=999999&q=jane")

    # The bad brand is reported and left out; the search still applies.
    assert names(response) == ["Jane Doe"]
    assert doc(response).xpath(
        "//div[contains(@class,'field-brand')]//p[@class='field-error small']"
    )


def test_the_brand_filter_offers_only_brands_with_someone_on_the_list(
    client_for, alice, org_a, people
):
    make_brand(org_a, "Initech")  # Tracked, but nobody to reach there yet.
    client = client_for(alice)

    contacts = doc(client.get(LIST_URL)).xpath("//select[@name='brand']/option/text()")
    suggested = doc(client.get(reverse("contacts:suggestions"))).xpath(
        "//select[@name='brand']/option/text()"
    )

    assert contacts == ["All brands", "Acme", "Globex"]
    assert suggested == ["All brands", "Acme"]


def test_adding_a_contact_in_the_drawer(client_for, alice, people):
    response = client_for(alice).post(
        CREATE_URL,
        {
            "brand": people["acme"].pk,
            "full_name": "Priya Shah",
            "email": "priya@acme.example",
            "phone": "+44 20 7946 0958",
            "linkedin_url": "https://www.linkedin.com/in/priya-shah/",
        },
        headers=HTMX,
    )

    priya = BrandContact.objects.get(full_name="Priya Shah")
    assert response.status_code == 200
    assert response["HX-Redirect"] == priya.get_absolute_url()
    assert (priya.organization, priya.created_by, priya.source) == (
        people["acme"].organization,
        alice,
        "manual",
    )


def test_invalid_email_phone_and_linkedin_url_are_field_errors_keeping_the_input(
    client_for, alice, people
):
    response = client_for(alice).post(
        CREATE_URL,
        {
            "brand": people["acme"].pk,
            "full_name": "Priya Shah",
            "email": "priya@",
            "phone": "call me",
            "linkedin_url": "https://example.com/priya",
        },
        headers=HTMX,
    )

    assert response.status_code == 200  # The drawer swaps only 2xx answers.
    page = doc(response)
    for field in ("email", "phone", "linkedin_url"):
        assert page.xpath(f"//div[contains(@class,'field-{field}')]//p[@class='field-error']"), (
            field
        )
    assert page.xpath("//input[@name='full_name']/@value") == ["Priya Shah"]
    assert not BrandContact.objects.filter(full_name="Priya Shah").exists()


def test_a_duplicate_offers_to_open_the_existing_contact(client_for, alice, people):
    response = client_for(alice).post(
        CREATE_URL,
        {"brand": people["globex"].pk, "full_name": "J. Doe", "email": "JANE@acme.example"},
        headers=HTMX,
    )

    [link] = doc(response).xpath("//a[@data-open-duplicate]")
    assert link.get("href") == people["jane"].get_absolute_url()
    assert BrandContact.objects.filter(email="jane@acme.example").count() == 1


def test_another_organizations_brand_cannot_be_chosen(client_for, alice, org_b, people):
    response = client_for(alice).post(
        CREATE_URL, {"brand": people["other"].brand_id, "full_name": "Sneaky"}, headers=HTMX
    )

    assert doc(response).xpath("//div[contains(@class,'field-brand')]//p[@class='field-error']")
    assert not BrandContact.objects.filter(full_name="Sneaky").exists()


def test_editing_a_contact(client_for, bob, people):
    jane = people["jane"]
    response = client_for(bob).post(
        reverse("contacts:edit", args=[jane.pk]),
        {
            "brand": jane.brand_id,
            "full_name": "Jane Doe",
            "title": "VP Communications",
            "email": jane.email,
            "do_not_contact": "on",
        },
    )

    jane.refresh_from_db()
    assert response.status_code == 302
    assert (jane.title, jane.do_not_contact) == ("VP Communications", True)


def test_another_organizations_contact_is_404_everywhere(client_for, charlie, people):
    client = client_for(charlie)
    jane = people["jane"]
    for name in ("detail", "edit", "delete"):
        assert client.get(reverse(f"contacts:{name}", args=[jane.pk])).status_code == 404
    for name in ("suggestion_import", "suggestion_dismiss"):
        assert client.post(reverse(f"contacts:{name}", args=[people["sam"].pk])).status_code == 404
    assert client.get(reverse("contacts:brand_contacts", args=[jane.brand_id])).status_code == 404
    assert BrandContact.objects.filter(pk=people["sam"].pk, suggested=True).exists()


def test_the_contact_page_shows_provenance_and_the_privacy_actions(client_for, alice, people):
    sam = people["sam"]
    response = client_for(alice).get(sam.get_absolute_url())

    page = doc(response)
    [source] = page.xpath("//dt[text()='Source']/following-sibling::dd[1]")
    assert " ".join(source.text_content().split()).startswith(
        "Web search · https://www.linkedin.com/in/sam-lee"
    )
    assert page.xpath("//a[@href=$url]", url=reverse("contacts:privacy_export", args=[sam.pk]))
    assert page.xpath("//a[@href=$url]", url=reverse("contacts:erase", args=[sam.pk]))


def test_the_brand_section_lists_contacts_then_suggestions(client_for, alice, people):
    response = client_for(alice).get(
        reverse("contacts:brand_contacts", args=[people["acme"].pk]), headers=HTMX
    )

    page = doc(response)
    assert [s.text for s in page.xpath("//li[@class='person']//strong")] == ["Jane Doe"]
    assert [s.text for s in page.xpath("//li[contains(@class,'suggestion')]//strong")] == [
        "Sam Lee"
    ]
    assert "<html" not in response.content.decode()  # Only the section, for the brand page.


@pytest.fixture
def report(org_a, people):
    article = make_article(org_a, "/acme-globex", title="Acme and Globex sign a deal")
    report = make_report(article)
    add_mention(report, people["globex"], confidence=0.6)
    add_mention(report, people["acme"], confidence=0.9)
    rejected = make_brand(org_a, "Initech")
    make_contact(rejected, "Ivan Init")
    add_mention(report, rejected, confidence=0.5, review_status=ReviewStatus.REJECTED)
    return report


def test_view_contacts_lists_the_people_at_each_brand_of_the_report(client_for, alice, report):
    response = client_for(alice).get(
        reverse("contacts:report_contacts", args=[report.pk]), headers=HTMX
    )

    page = doc(response)
    assert [h.text_content() for h in page.xpath("//section[@class='brand-people']/h3")] == [
        "Acme",
        "Globex",
    ]  # Most confident first; a rejected mention's brand is left out.
    [draft] = page.xpath("//a[@data-draft-for]")
    jane = BrandContact.objects.get(full_name="Jane Doe")
    assert draft.get("href") == (
        f"{reverse('contacts:draft_new')}?contact={jane.pk}&report={report.pk}"
    )
    assert page.xpath("//button[@data-import-suggestion]")


def test_importing_from_the_drawer_shows_the_drawer_again_with_the_new_contact(
    client_for, alice, people, report
):
    sam = people["sam"]
    response = client_for(alice).post(
        reverse("contacts:suggestion_import", args=[sam.pk]),
        {"report": report.pk, "next": report.get_absolute_url()},
        headers=HTMX,
    )

    sam.refresh_from_db()
    assert not sam.suggested and sam.created_by == alice
    page = doc(response)
    assert page.xpath("//a[@data-draft-for=$pk]", pk=str(sam.pk))
    assert "Sam Lee imported as a contact" in page.xpath("//div[@id='toasts']")[0].text_content()


def test_dismissing_a_suggestion_removes_it_but_never_a_contact(client_for, alice, people):
    client = client_for(alice)
    assert (
        client.post(reverse("contacts:suggestion_dismiss", args=[people["sam"].pk])).status_code
        == 302
    )
    assert not BrandContact.objects.filter(pk=people["sam"].pk).exists()

    response = client.post(reverse("contacts:suggestion_dismiss", args=[people["jane"].pk]))
    assert response.status_code == 404
    assert BrandContact.objects.filter(pk=people["jane"].pk).exists()


def test_next_never_leaves_the_site(client_for, alice, people):
    response = client_for(alice).post(
        reverse("contacts:suggestion_import", args=[people["sam"].pk]),
        {"next": "https://evil.example/"},
    )

    assert response["Location"] == people["sam"].get_absolute_url()


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JaVaScRiPt:alert(1)", "data:text/html,x"])
def test_a_stored_script_address_is_shown_as_text_never_as_a_link(client_for, alice, org_a, url):
    acme = make_brand(org_a, "Acme")
    # Rows written before validation, by a provider or through the ORM: pages must not trust them.
    suggestion = make_suggestion(acme, "Eve Evil", source_url=url, linkedin_url=url)
    client = client_for(alice)

    pages = [
        client.get(reverse("contacts:detail", args=[suggestion.pk])),
        client.get(reverse("contacts:suggestions")),
        client.get(reverse("contacts:brand_contacts", args=[acme.pk])),
    ]

    for response in pages:
        assert response.status_code == 200
        page = doc(response)
        assert "Eve Evil" in page.text_content()
        hrefs = [href.strip().lower() for href in page.xpath("//a/@href")]
        assert not [href for href in hrefs if href.startswith(("javascript:", "data:"))]


def test_a_web_address_found_by_discovery_is_a_link(client_for, alice, org_a):
    acme = make_brand(org_a, "Acme")
    suggestion = make_suggestion(acme, "Sam Lee", source_url="https://acme.example/press")

    response = client_for(alice).get(reverse("contacts:detail", args=[suggestion.pk]))

    assert doc(response).xpath("//a[@href='https://acme.example/press']")


def test_the_dashboard_counts_contacts_suggestions_and_sent_emails_and_links_them(
    client_for, alice, people, org_a
):
    from django.utils import timezone

    from contacts.models import EmailDraft

    now = timezone.now()
    for sent in (True, False):
        EmailDraft.objects.create(
            organization=org_a,
            contact=people["jane"],
            subject=f"sent={sent}",
            body="Hello",
            template="pitch",
            tone="professional",
            generated_at=now,
            sent=sent,
            sent_at=now if sent else None,
        )
    client = client_for(alice)

    page = doc(client.get(reverse("dashboard")))

    cards = {
        card.xpath(".//p[@class='figure-label']//a")[0].text: card
        for card in page.xpath("//div[@class='figure-card'][.//a]")
    }
    assert cards["Contacts"].xpath(".//p[@class='figure-value']")[0].text == "2"
    assert cards["Suggested contacts"].xpath(".//p[@class='figure-value']")[0].text == "1"
    sent_card = cards["Emails sent (30 days)"]
    assert sent_card.xpath(".//p[@class='figure-value']")[0].text == "1"
    # The link opens the drafts list filtered to what the figure counts.
    listed = client.get(sent_card.xpath(".//a/@href")[0]).content.decode()
    assert "sent=True" in listed and "sent=False" not in listed
