"""The operators' service status page: health checks and the shared circuit breakers."""

import pytest

from resilience import FEED_HOST, get_breaker

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(alice):
    alice.is_staff = True
    alice.save()
    return alice


def test_it_shows_an_open_breaker_as_every_worker_sees_it(client_for, operator, settings):
    settings.BREAKER_FAIL_MAX = 2
    breaker = get_breaker(FEED_HOST, "down.example")

    def fail():
        raise TimeoutError("host down")

    for _ in range(2):
        with pytest.raises(TimeoutError):
            breaker.protect(fail, is_fault=lambda exc: True)

    response = client_for(operator).get("/logs/status/")

    assert response.status_code == 200
    body = response.content.decode()
    assert "down.example" in body
    assert '<span class="badge error">open</span>' in body
    assert "database" in body and "broker" in body


def test_members_who_are_not_staff_are_refused(client_for, bob):
    assert client_for(bob).get("/logs/status/").status_code == 403


def test_the_logs_page_links_to_it_for_staff_only(client_for, operator, bob):
    assert "/logs/status/" in client_for(operator).get("/logs/").content.decode()
    assert "/logs/status/" not in client_for(bob).get("/logs/").content.decode()


def test_it_links_to_the_system_health_page(client_for, operator):
    body = client_for(operator).get("/logs/status/").content.decode()

    assert 'href="/admin/system-health/"' in body
