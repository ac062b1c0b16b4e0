"""The password-reset answer never waits on the mail (issue #17, item 9).

Sending inside the request made the known-address answer an SMTP round trip slower, so timing
told which addresses have an account.
"""

import threading
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import RequestFactory
from django.urls import resolve, reverse
from lxml import html

from tests.harness.waiting import ceiling, wait_for

# Released by the test: until then, the gated backend is a mail server that does not answer.
GATE = threading.Event()


class GatedBackend(EmailBackend):
    def send_messages(self, messages):
        GATE.wait(ceiling(60))
        return super().send_messages(messages)


class FailingBackend(EmailBackend):
    attempts: list[list[str]] = []

    def send_messages(self, messages):
        FailingBackend.attempts.extend(message.to for message in messages)
        raise ConnectionRefusedError("mail server down")


def post_reset(email: str):
    request = RequestFactory().post(reverse("password_reset"), {"email": email})
    request._dont_enforce_csrf_checks = True
    return resolve(request.path).func(request)


def test_the_view_answers_before_any_mail_is_sent_and_mails_once_the_response_is_closed(alice):
    response = post_reset("alice@example.com")

    assert response.status_code == 302 and response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []  # The answer exists; nothing was sent while making it.
    response.close()  # What the WSGI/ASGI server does after sending the response.
    [message] = mail.outbox
    assert message.to == ["alice@example.com"]


def test_a_failing_mail_server_does_not_change_the_answer_nor_break_the_close(alice, settings):
    settings.EMAIL_BACKEND = f"{__name__}.FailingBackend"
    FailingBackend.attempts = []
    known, unknown = post_reset("alice@example.com"), post_reset("nobody@example.com")

    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known.content == unknown.content
    assert FailingBackend.attempts == []  # Neither answer waited on the mail server.
    known.close()  # Raises nothing into the server, though the mail server refused.
    unknown.close()
    assert FailingBackend.attempts == [["alice@example.com"]]  # Tried once, after the answer.
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_over_http_the_answer_arrives_while_the_mail_server_still_hangs(live_server, settings):
    from tests.conftest import _user

    _user("alice")
    settings.EMAIL_BACKEND = f"{__name__}.GatedBackend"
    GATE.clear()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    url = live_server.url + reverse("password_reset")
    form_page = opener.open(url, timeout=ceiling(30)).read().decode()
    [token] = html.fromstring(form_page).xpath("//input[@name='csrfmiddlewaretoken']/@value")
    body = urllib.parse.urlencode({"email": "alice@example.com", "csrfmiddlewaretoken": token})
    try:
        started = time.monotonic()
        with opener.open(url, data=body.encode(), timeout=ceiling(30)) as answer:
            answer.read()
            elapsed = time.monotonic() - started
            assert answer.url.endswith(reverse("password_reset_done"))
        # The mail server has not answered yet, yet the page (and the redirect) arrived.
        assert mail.outbox == []
    finally:
        GATE.set()
    assert wait_for(lambda: len(mail.outbox) == 1, timeout=30)
    print(f"reset answered in {elapsed:.3f} s while the mail server hung")
