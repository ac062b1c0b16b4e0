import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from lxml import html

from accounts.models import Invitation, Membership, Role
from tests.conftest import PASSWORD


def _h1(response) -> str:
    return html.fromstring(response.content.decode()).xpath("//h1")[0].text_content().strip()


def _alert(response) -> str:
    document = html.fromstring(response.content.decode())
    return " ".join(p.text_content().strip() for p in document.xpath('//*[@role="alert"]'))


@pytest.fixture
def invitation(org_a, alice) -> Invitation:
    return Invitation.objects.create(
        organization=org_a, email="erin@example.com", role=Role.ADMIN, invited_by=alice
    )


def _signup(client: Client, invitation: Invitation, **overrides: str):
    data = {
        "username": "erin",
        "first_name": "Erin",
        "last_name": "Example",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }
    return client.post(invitation.get_absolute_url(), data)


def test_inviting_from_the_drawer_emails_a_working_link(
    client_for, alice, org_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(
            reverse("accounts:member_invite"),
            {"email": "erin@example.com", "role": Role.MEMBER},
            HTTP_HX_REQUEST="true",
        )

    assert response.headers["HX-Redirect"] == reverse("accounts:settings")
    invitation = Invitation.objects.get(organization=org_a, email="erin@example.com")
    assert invitation.invited_by == alice
    [message] = mail.outbox
    assert message.to == ["erin@example.com"]
    [link] = re.findall(r"https?://\S+", message.body)
    assert link == f"http://testserver/organization/invitation/{invitation.token}/"
    assert _h1(Client().get(urlsplit(link).path)) == "Join Organization A"


def test_inviting_an_existing_member_shows_the_error_in_the_drawer(
    client_for, alice, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(
            reverse("accounts:member_invite"),
            {"email": "bob@example.com", "role": Role.MEMBER},
            HTTP_HX_REQUEST="true",
        )

    body = response.content.decode()
    assert response.status_code == 200
    assert "bob@example.com is already a member of Organization A." in body
    assert 'value="bob@example.com"' in body
    assert not Invitation.objects.exists()
    assert mail.outbox == []


def test_an_anonymous_visitor_sees_the_signup_form(invitation):
    response = Client().get(invitation.get_absolute_url())

    assert response.status_code == 200
    document = html.fromstring(response.content.decode())
    assert {"username", "password1", "password2"} <= set(document.xpath("//form//input/@name"))
    assert "erin@example.com" in response.content.decode()


def test_signing_up_through_the_link_lands_on_the_dashboard_as_a_member(invitation, org_a):
    client = Client()

    response = _signup(client, invitation)

    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    dashboard = client.get(response.url)
    assert _h1(dashboard) == "Organization A"
    assert "Welcome to Organization A." in dashboard.content.decode()
    erin = User.objects.get(username="erin")
    assert erin.email == "erin@example.com"
    assert Membership.objects.get(user=erin).organization == org_a
    assert Membership.objects.get(user=erin).role == Role.ADMIN
    invitation.refresh_from_db()
    assert invitation.accepted_by == erin


def test_a_signup_with_mismatched_passwords_creates_nothing(invitation):
    response = _signup(Client(), invitation, password2="something else entirely")

    assert response.status_code == 200
    assert "password fields didn" in response.content.decode()
    assert 'value="erin"' in response.content.decode()
    assert not User.objects.filter(username="erin").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_a_signup_with_a_taken_username_is_refused(invitation, bob):
    response = _signup(Client(), invitation, username="bob")

    assert "A user with that username already exists." in response.content.decode()
    assert Membership.objects.filter(organization=invitation.organization).count() == 2


def test_a_logged_in_user_is_asked_before_joining(client_for, charlie, invitation):
    response = client_for(charlie).get(invitation.get_absolute_url())

    assert "Join Organization A" in response.content.decode()
    assert "charlie" in response.content.decode()
    assert not Membership.objects.filter(
        user=charlie, organization=invitation.organization
    ).exists()


def test_a_logged_in_user_joins_with_a_post_and_works_in_the_new_organization(
    client_for, charlie, invitation
):
    client = client_for(charlie)

    response = client.post(invitation.get_absolute_url())

    assert response.url == reverse("dashboard")
    assert _h1(client.get(response.url)) == "Organization A"
    membership = Membership.objects.get(user=charlie, organization=invitation.organization)
    assert membership.role == Role.ADMIN
    invitation.refresh_from_db()
    assert invitation.accepted_by == charlie


def test_an_expired_link_says_so_and_offers_no_form(invitation):
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    client = Client()

    response = _signup(client, invitation)

    assert response.status_code == 200
    assert "This invitation has expired" in _alert(response)
    assert html.fromstring(response.content.decode()).xpath('//input[@name="username"]') == []
    assert not User.objects.filter(username="erin").exists()


def test_a_used_link_says_so_even_to_a_logged_in_user(client_for, charlie, bob, invitation):
    client_for(charlie).post(invitation.get_absolute_url())

    response = client_for(bob).post(invitation.get_absolute_url())

    assert "This invitation has already been used." in _alert(response)
    assert Membership.objects.get(user=bob).role == Role.MEMBER


def test_an_unknown_token_is_404(invitation):
    url = reverse("accounts:invitation_accept", args=[invitation.token + "x"])

    assert Client().get(url).status_code == 404
    assert Client().post(url, {"username": "mallory"}).status_code == 404
