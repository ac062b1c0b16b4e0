"""The Logs page, its health panel, the admin, and the request middleware."""

import logging
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission, User
from django.test import RequestFactory
from django.utils import timezone

from marketing_hunting.logging import organization_id_var
from monitoring.collector import STATUS_CACHE_KEY
from monitoring.middleware import LogContextMiddleware
from monitoring.models import LogEntry

pytestmark = pytest.mark.django_db
_counter = iter(range(1, 10**9))


def entry(message: str, *, organization=None, level=logging.INFO, minutes_ago=0, **fields):
    return LogEntry.objects.create(
        time=timezone.now() - timedelta(minutes=minutes_ago),
        level=level,
        logger=fields.pop("logger", "app.tests"),
        message=message,
        role=fields.pop("role", "worker"),
        host="host",
        pid=100,
        organization=organization,
        stream_id=f"test-{next(_counter)}",
        **fields,
    )


@pytest.fixture
def operator(db):
    return User.objects.create_superuser("olga", "olga@example.com", "pw")


def messages_on(response) -> list[str]:
    return [e.message for e in response.context["entries"]]


def test_members_see_only_their_organizations_lines(client_for, alice, bob, charlie, org_a, org_b):
    entry("for a", organization=org_a)
    entry("for b", organization=org_b)
    entry("for nobody")

    assert messages_on(client_for(bob).get("/logs/")) == ["for a"]
    assert messages_on(client_for(charlie).get("/logs/")) == ["for b"]


def test_operators_see_every_line_including_those_of_no_organization(client_for, operator, org_a):
    entry("for a", organization=org_a, minutes_ago=1)
    entry("for nobody")

    response = client_for(operator).get("/logs/")

    assert messages_on(response) == ["for nobody", "for a"]
    assert b"Organization A" in response.content


def test_staff_granted_view_log_entry_are_operators_too(client_for, org_a):
    staff = User.objects.create_user("sam", password="pw", is_staff=True)
    staff.user_permissions.add(
        Permission.objects.get(codename="view_logentry", content_type__app_label="monitoring")
    )
    entry("for nobody")

    assert messages_on(client_for(staff).get("/logs/")) == ["for nobody"]


def test_the_page_needs_a_login(client, db):
    assert client.get("/logs/").status_code == 302


def test_lines_are_found_by_text_level_execution_and_time(client_for, alice, org_a):
    entry("feed fetched", organization=org_a, minutes_ago=90)
    entry("feed failed: timeout", organization=org_a, level=logging.ERROR, minutes_ago=30)
    entry("report made", organization=org_a, execution_id=77, minutes_ago=20)
    entry("crash", organization=org_a, exception="Traceback ... ZeroDivisionError", minutes_ago=10)
    client = client_for(alice)
    an_hour_ago = (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")

    assert messages_on(client.get("/logs/", {"q": "FEED"})) == [
        "feed failed: timeout",
        "feed fetched",
    ]
    assert messages_on(client.get("/logs/", {"q": "ZeroDivision"})) == ["crash"]
    assert messages_on(client.get("/logs/", {"level": "40"})) == ["feed failed: timeout"]
    assert messages_on(client.get("/logs/", {"execution": "77"})) == ["report made"]
    assert messages_on(client.get("/logs/", {"since": an_hour_ago})) == [
        "crash",
        "report made",
        "feed failed: timeout",
    ]
    assert messages_on(client.get("/logs/", {"until": an_hour_ago})) == ["feed fetched"]


def test_pages_go_back_in_time_without_counting_the_table(client_for, alice, org_a):
    for n in range(55):
        entry(f"line {n:02d}", organization=org_a, minutes_ago=n)
    client = client_for(alice)

    first = client.get("/logs/", {"q": "line"})
    second = client.get("/logs/", {"q": "line", "page": "2"})

    assert len(first.context["entries"]) == 50 and first.context["has_next"]
    assert messages_on(second) == [f"line {n}" for n in range(50, 55)]
    assert not second.context["has_next"]
    assert b"q=line&amp;page=2" in first.content


def test_the_health_panel_counts_levels_per_minute_errors_per_hour_and_shows_the_collector(
    client_for, alice, org_a
):
    from django.core.cache import cache

    entry("a", organization=org_a)
    entry("b", organization=org_a, level=logging.ERROR)
    entry("c", organization=org_a, level=logging.ERROR, minutes_ago=3)
    entry("other org", level=logging.ERROR)
    cache.set(
        STATUS_CACHE_KEY,
        {
            "updated_at": timezone.now().timestamp(),
            "processed": 9,
            "lag_seconds": 0.25,
            "backlog": 4,
        },
    )

    response = client_for(alice).get("/logs/")

    health = response.context["health"]
    this_minute = health["per_minute"][0]
    assert this_minute.counts == [0, 1, 0, 1, 0]  # DEBUG, INFO, WARNING, ERROR, CRITICAL
    assert health["per_minute"][3].counts == [0, 0, 0, 1, 0]
    assert health["errors_24h"] == 2  # not the other organization's
    assert health["collector"]["running"] is True
    assert b"Lag: <strong>0.25 s</strong>" in response.content


def test_the_panel_says_when_the_collector_is_not_running(client_for, alice):
    response = client_for(alice).get("/logs/")

    assert b"not running" in response.content


@pytest.mark.parametrize(
    ("status", "badge", "text"),
    [
        (
            {"lag_seconds": 900.0},
            b'<span class="badge warn">lagging</span>',
            b"Lag: <strong>900.0 s",
        ),
        (
            {"lag_seconds": 0.1, "problem": "ResponseError: NOGROUP No such key"},
            b'<span class="badge warn">retrying</span>',
            b"The last batch failed (ResponseError: NOGROUP No such key)",
        ),
    ],
)
def test_a_collector_catching_up_or_retrying_is_not_called_not_running(
    client_for, alice, status, badge, text
):
    from django.core.cache import cache

    cache.set(STATUS_CACHE_KEY, {"updated_at": timezone.now().timestamp(), **status})

    response = client_for(alice).get("/logs/")

    assert badge in response.content
    assert text in response.content
    assert b"not running" not in response.content


def test_logs_is_in_the_navigation(client_for, alice):
    assert b'href="/logs/"' in client_for(alice).get("/").content


def test_the_admin_lists_and_searches_log_entries_without_editing(client_for, operator, org_a):
    entry("needle in the admin", organization=org_a)
    client = client_for(operator)

    listing = client.get("/admin/monitoring/logentry/", {"q": "needle"})
    add = client.get("/admin/monitoring/logentry/add/")

    assert listing.status_code == 200
    assert b"needle in the admin" in listing.content
    assert add.status_code == 403


def test_the_middleware_tags_records_with_the_requests_organization(org_a):
    request = RequestFactory().get("/")
    request.organization = org_a
    seen = []

    response = LogContextMiddleware(lambda r: seen.append(organization_id_var.get()) or "ok")(
        request
    )

    assert response == "ok"
    assert seen == [org_a.pk]
    assert organization_id_var.get() is None  # reset after the request
