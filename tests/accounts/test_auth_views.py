import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.urls import reverse
from lxml import html

from tests.conftest import PASSWORD

LOGIN_URL = reverse("login")
GENERIC_ERROR = "Please enter a correct username and password."
NEW_PASSWORD = "a brand new and long passphrase"


def _log_in(client: Client, username: str, password: str, **extra: str):
    return client.post(LOGIN_URL, {"username": username, "password": password}, **extra)


def _alerts(response) -> list[str]:
    document = html.fromstring(response.content.decode())
    return [" ".join(el.text_content().split()) for el in document.xpath('//*[@role="alert"]')]


def _is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize(
    "url",
    [
        reverse("dashboard"),
        reverse("accounts:settings"),
        reverse("accounts:edit"),
        reverse("feeds:list"),
    ],
)
def test_staff_pages_send_anonymous_visitors_to_the_login_page(db, url):
    response = Client().get(url)

    assert response.status_code == 302
    assert response.url == f"{LOGIN_URL}?next={url}"


def test_the_health_check_does_not_ask_for_a_login(db):
    response = Client().get(reverse("healthz"))

    assert response.status_code in (200, 503)
    assert "status" in response.json()


def test_the_login_page_shows_the_form(db):
    response = Client().get(LOGIN_URL)

    names = html.fromstring(response.content.decode()).xpath("//form//input/@name")
    assert {"username", "password"} <= set(names)


def test_a_wrong_password_and_an_unknown_user_get_the_same_message(alice):
    wrong_password = _log_in(Client(), "alice", "not her password")
    unknown_user = _log_in(Client(), "nobody", "not her password")

    assert wrong_password.status_code == unknown_user.status_code == 200
    assert len(_alerts(wrong_password)) == 1
    assert GENERIC_ERROR in _alerts(wrong_password)[0]
    assert _alerts(wrong_password) == _alerts(unknown_user)


def test_a_failed_login_keeps_the_username_and_logs_nobody_in(alice):
    client = Client()

    response = _log_in(client, "alice", "not her password")

    assert 'value="alice"' in response.content.decode()
    assert not _is_logged_in(client)


def test_a_correct_login_lands_on_the_dashboard(alice):
    client = Client()

    response = _log_in(client, "alice", PASSWORD)

    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    page = client.get(response.url)
    assert html.fromstring(page.content.decode()).xpath("//h1")[0].text == "Organization A"


def test_a_login_returns_to_the_page_that_asked_for_it(alice):
    client = Client()
    settings_url = reverse("accounts:settings")

    response = client.post(
        LOGIN_URL, {"username": "alice", "password": PASSWORD, "next": settings_url}
    )

    assert response.url == settings_url


def test_a_login_ignores_an_offsite_next(alice):
    response = Client().post(
        LOGIN_URL, {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"}
    )

    assert response.url == reverse("dashboard")


def test_five_failures_lock_the_account_out_from_that_address_even_with_the_right_password(alice):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, "alice", "guess")

    response = _log_in(client, "alice", PASSWORD)

    assert response.status_code == 429
    assert "Too many failed log-in attempts" in response.content.decode()
    assert "logging in is paused" in " ".join(_alerts(response))
    assert not _is_logged_in(client)


@pytest.mark.parametrize(
    ("cool_off", "said"),
    [(timedelta(minutes=15), "15 minutes"), (timedelta(minutes=1), "1 minute")],
)
def test_the_lockout_message_says_the_wait_in_minutes(alice, settings, cool_off, said):
    # It read "Try again in PT15M" (the ISO 8601 duration axes puts in the context).
    settings.AXES_COOLOFF_TIME = cool_off
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, "alice", "guess")

    response = _log_in(client, "alice", PASSWORD)

    [alert] = [text for text in _alerts(response) if "logging in is paused" in text]
    assert f"Try again in {said}, or reset your password." in alert


def test_four_failures_do_not_lock_the_account(alice):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _log_in(client, "alice", "guess")

    response = _log_in(client, "alice", PASSWORD)

    assert response.status_code == 302
    assert _is_logged_in(client)


def test_a_lockout_does_not_spread_to_other_users_or_addresses(alice, bob):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _log_in(Client(), "alice", "guess")

    assert _log_in(Client(), "bob", PASSWORD).status_code == 302
    assert _log_in(Client(), "alice", PASSWORD, REMOTE_ADDR="10.9.8.7").status_code == 302


def test_password_reset_mails_a_link_that_sets_a_new_password(alice):
    client = Client()

    response = client.post(reverse("password_reset"), {"email": "alice@example.com"})

    assert response.url == reverse("password_reset_done")
    [message] = mail.outbox
    assert message.to == ["alice@example.com"]
    [link] = re.findall(r"https?://\S+/reset/\S+", message.body)

    form_page = client.get(urlsplit(link).path, follow=True)
    names = html.fromstring(form_page.content.decode()).xpath("//form//input/@name")
    assert {"new_password1", "new_password2"} <= set(names)

    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert done.url == reverse("password_reset_complete")
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    assert _log_in(Client(), "alice", NEW_PASSWORD).status_code == 302


def test_a_used_reset_link_is_refused(alice):
    client = Client()
    client.post(reverse("password_reset"), {"email": "alice@example.com"})
    [link] = re.findall(r"https?://\S+/reset/\S+", mail.outbox[0].body)
    form_page = client.get(urlsplit(link).path, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    again = Client().get(urlsplit(link).path, follow=True)

    assert "This reset link is invalid or was already used." in " ".join(_alerts(again))


def test_password_reset_for_an_unknown_address_sends_nothing(alice):
    response = Client().post(reverse("password_reset"), {"email": "nobody@example.com"})

    assert response.url == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_logged_in_user_changes_her_password(client_for, alice):
    client = client_for(alice)

    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.url == reverse("password_change_done")
    assert "Your password was changed." in client.get(response.url).content.decode()
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)
    # The session survives the change (Django rotates its hash).
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_password_change_needs_the_old_password(client_for, alice):
    response = client_for(alice).post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert "Your old password was entered incorrectly." in response.content.decode()
    assert User.objects.get(username="alice").check_password(PASSWORD)
