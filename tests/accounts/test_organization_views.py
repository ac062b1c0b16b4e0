import pytest
from django.urls import reverse
from lxml import html

from accounts.middleware import SESSION_KEY
from accounts.models import Invitation, Membership, Role

HTMX = {"HTTP_HX_REQUEST": "true"}
EDIT_URL = reverse("accounts:edit")
SETTINGS_URL = reverse("accounts:settings")


def _field(response, name: str):
    """The form row (label, input, errors) of the field called ``name``."""
    document = html.fromstring(response.content.decode())
    [row] = document.xpath(f'//div[contains(@class, "field")][.//*[@name="{name}"]]')
    return row


def _errors(row) -> list[str]:
    return [p.text_content().strip() for p in row.xpath('.//p[@class="field-error"]')]


def _h1(response) -> str:
    return html.fromstring(response.content.decode()).xpath("//h1")[0].text_content().strip()


@pytest.fixture
def invitation(org_a, alice) -> Invitation:
    return Invitation.objects.create(organization=org_a, email="erin@example.com", invited_by=alice)


# --- Settings page and editing ---------------------------------------------------------------


def test_the_settings_page_lists_the_members_and_their_roles(client_for, alice, bob):
    response = client_for(alice).get(SETTINGS_URL)

    assert response.status_code == 200
    rows = html.fromstring(response.content.decode()).xpath("//table//tbody/tr")
    cells = [[td.text_content().strip() for td in row.xpath("td")[:3]] for row in rows]
    assert cells == [
        ["Alice you", "alice@example.com", "Owner"],
        ["Bob", "bob@example.com", "Member"],
    ]


def test_the_settings_page_does_not_list_other_organizations_members(client_for, alice, charlie):
    response = client_for(alice).get(SETTINGS_URL)

    assert "charlie@example.com" not in response.content.decode()


def test_the_edit_drawer_over_htmx_is_only_the_partial(client_for, alice):
    response = client_for(alice).get(EDIT_URL, **HTMX)

    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="drawer-title"' in body
    assert _field(response, "name").xpath(".//input")[0].get("value") == "Organization A"


@pytest.mark.parametrize(
    ("name", "time_zone", "error"),
    [
        ("", "UTC", ("name", "This field is required.")),
        ("x" * 201, "UTC", ("name", "at most 200 characters")),
        ("Acme", "Mars/Olympus", ("time_zone", "Select a valid choice.")),
    ],
    ids=["empty name", "name too long", "unknown time zone"],
)
def test_invalid_input_reopens_the_drawer_with_the_error_and_what_was_typed(
    client_for, alice, org_a, name, time_zone, error
):
    response = client_for(alice).post(EDIT_URL, {"name": name, "time_zone": time_zone}, **HTMX)

    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert "HX-Redirect" not in response.headers
    field, message = error
    assert any(message in text for text in _errors(_field(response, field)))
    assert _field(response, "name").xpath(".//input")[0].get("value", "") == name
    org_a.refresh_from_db()
    assert (org_a.name, org_a.time_zone) == ("Organization A", "UTC")


def test_an_unknown_time_zone_is_not_shown_as_chosen(client_for, alice):
    response = client_for(alice).post(
        EDIT_URL, {"name": "Acme", "time_zone": "Mars/Olympus"}, **HTMX
    )

    select = _field(response, "time_zone").xpath(".//select")[0]
    assert select.xpath("option[@selected]") == []
    assert not select.xpath('option[@value="Mars/Olympus"]')


def test_a_valid_edit_over_htmx_saves_and_tells_htmx_to_reload(client_for, alice, org_a):
    response = client_for(alice).post(
        EDIT_URL, {"name": "Acme Hunting", "time_zone": "Europe/Paris"}, **HTMX
    )

    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == SETTINGS_URL
    org_a.refresh_from_db()
    assert (org_a.name, org_a.time_zone) == ("Acme Hunting", "Europe/Paris")


def test_without_htmx_the_edit_form_is_a_whole_page(client_for, alice):
    response = client_for(alice).get(EDIT_URL)

    assert "<html" in response.content.decode()
    assert _field(response, "name").xpath(".//input")[0].get("value") == "Organization A"


def test_without_htmx_a_valid_edit_redirects_to_the_settings_page(client_for, alice, org_a):
    client = client_for(alice)
    response = client.post(EDIT_URL, {"name": "Acme Hunting", "time_zone": "Asia/Tokyo"})

    assert response.status_code == 302
    assert response.url == SETTINGS_URL
    page = client.get(SETTINGS_URL).content.decode()
    assert "Acme Hunting" in page
    assert "Organization settings saved." in page
    org_a.refresh_from_db()
    assert (org_a.name, org_a.time_zone) == ("Acme Hunting", "Asia/Tokyo")


def test_without_htmx_an_invalid_edit_shows_the_whole_page_with_the_error(client_for, alice, org_a):
    response = client_for(alice).post(EDIT_URL, {"name": "Acme", "time_zone": "Nowhere"})

    assert response.status_code == 200
    assert "<html" in response.content.decode()
    assert _errors(_field(response, "time_zone"))
    # The page header still names the organization as saved, not the rejected edit.
    header = html.fromstring(response.content.decode()).xpath('//span[@class="org-name"]')[0]
    assert header.text_content() == "Organization A"
    org_a.refresh_from_db()
    assert org_a.name == "Organization A"


# --- Permissions and isolation ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url_name", ["accounts:edit", "accounts:member_invite", "accounts:member_edit"]
)
def test_bob_as_a_plain_member_is_forbidden_to_manage(client_for, alice, bob, url_name):
    alice_membership = Membership.objects.get(user=alice)
    args = [alice_membership.pk] if url_name == "accounts:member_edit" else []
    url = reverse(url_name, args=args)
    client = client_for(bob)

    assert client.get(url).status_code == 403
    assert (
        client.post(url, {"role": Role.MEMBER, "name": "Bob's", "time_zone": "UTC"}).status_code
        == 403
    )
    assert Membership.objects.get(user=alice).role == Role.OWNER


def test_bob_does_not_see_the_manage_buttons(client_for, alice, bob):
    page = client_for(bob).get(SETTINGS_URL).content.decode()

    assert EDIT_URL not in page
    assert reverse("accounts:member_invite") not in page


@pytest.mark.parametrize("url_name", ["accounts:member_edit", "accounts:member_remove"])
def test_charlie_gets_404_for_organization_a_memberships(client_for, alice, bob, charlie, url_name):
    url = reverse(url_name, args=[Membership.objects.get(user=bob).pk])
    client = client_for(charlie)

    assert client.get(url).status_code == 404
    assert client.post(url, {"role": Role.OWNER}).status_code == 404
    assert Membership.objects.get(user=bob).role == Role.MEMBER


def test_charlie_gets_404_when_revoking_organization_a_invitations(client_for, charlie, invitation):
    response = client_for(charlie).post(reverse("accounts:invitation_revoke", args=[invitation.pk]))

    assert response.status_code == 404
    assert Invitation.objects.filter(pk=invitation.pk).exists()


def test_alice_revokes_a_pending_invitation(client_for, alice, invitation):
    response = client_for(alice).post(
        reverse("accounts:invitation_revoke", args=[invitation.pk]), follow=True
    )

    assert "Invitation to erin@example.com revoked." in response.content.decode()
    assert not Invitation.objects.filter(pk=invitation.pk).exists()


def test_alice_changes_bobs_role_in_the_drawer(client_for, alice, bob):
    membership = Membership.objects.get(user=bob)

    response = client_for(alice).post(
        reverse("accounts:member_edit", args=[membership.pk]), {"role": Role.ADMIN}, **HTMX
    )

    assert response.headers["HX-Redirect"] == SETTINGS_URL
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_removing_the_last_owner_shows_why_and_keeps_her(client_for, alice, bob):
    membership = Membership.objects.get(user=alice)

    response = client_for(alice).post(
        reverse("accounts:member_remove", args=[membership.pk]), **HTMX
    )

    assert response.status_code == 200
    assert "The organization needs at least one owner." in response.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()


# --- Switching organizations -----------------------------------------------------------------


@pytest.fixture
def alice_in_both(alice, org_b):
    Membership.objects.create(organization=org_b, user=alice, role=Role.MEMBER)
    return alice


def test_a_user_in_two_organizations_switches_to_the_other(client_for, alice_in_both, org_a, org_b):
    client = client_for(alice_in_both)
    assert _h1(client.get("/")) == "Organization A"

    response = client.post(reverse("accounts:switch"), {"organization": org_b.pk})

    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    assert client.session[SESSION_KEY] == org_b.pk
    assert _h1(client.get("/")) == "Organization B"


def test_switching_to_an_organization_you_are_not_in_is_404(client_for, alice, org_a, org_b):
    client = client_for(alice)

    response = client.post(reverse("accounts:switch"), {"organization": org_b.pk})

    assert response.status_code == 404
    assert _h1(client.get("/")) == "Organization A"


def test_switching_follows_a_safe_next_url(client_for, alice_in_both, org_b):
    response = client_for(alice_in_both).post(
        reverse("accounts:switch"), {"organization": org_b.pk, "next": "/feeds/"}
    )

    assert response.url == "/feeds/"


@pytest.mark.parametrize(
    "unsafe", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
)
def test_switching_ignores_an_unsafe_next_url(client_for, alice_in_both, org_b, unsafe):
    client = client_for(alice_in_both)

    response = client.post(reverse("accounts:switch"), {"organization": org_b.pk, "next": unsafe})

    assert response.url == reverse("dashboard")
    assert client.session[SESSION_KEY] == org_b.pk


def test_an_owner_chooses_confirmed_only_discovery_and_the_settings_page_says_so(
    client_for, alice, org_a
):
    client = client_for(alice)
    form = client.get(EDIT_URL, **HTMX)
    assert _field(form, "discovery_confirmed_only").xpath('.//input[@type="checkbox"]')

    response = client.post(
        EDIT_URL,
        {"name": "Organization A", "time_zone": "UTC", "discovery_confirmed_only": "on"},
        **HTMX,
    )

    assert response.headers["HX-Redirect"] == SETTINGS_URL
    org_a.refresh_from_db()
    assert org_a.discovery_confirmed_only is True
    page = html.fromstring(client.get(SETTINGS_URL).content.decode())
    [shown] = page.xpath('//*[@data-testid="org-discovery"]')
    assert shown.text_content().strip() == "Only brands the knowledge base confirms"
