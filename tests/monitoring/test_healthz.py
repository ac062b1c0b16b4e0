"""/healthz is liveness: the web process answers, whatever its dependencies do."""

from django.db import OperationalError

from tests.harness.dead_broker import point_celery_at_a_dead_broker


def test_it_answers_200_without_touching_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_it_needs_no_login_and_is_never_cached(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"]


def test_it_stays_200_when_the_database_and_the_broker_are_down(client, db, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    point_celery_at_a_dead_broker(monkeypatch)
    # Undone before the test database is torn down, which needs a working cursor.
    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", broken_cursor)
        response = client.get("/healthz")

    assert response.status_code == 200
