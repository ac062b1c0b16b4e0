"""Keys refused, each with its reason in the body and nothing about other organizations."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import ApiKey, Membership
from accounts.services import api_key_revoke
from tests.api.conftest import ApiClient, make_key


def _refused(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    return error


def test_a_request_without_a_key_is_told_to_send_one(client, db):
    response = client.get("/api/reports")
    _refused(response, 401, "missing_key")
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer nonsense",
        "Basic YWxpY2U6cGFzc3dvcmQ=",
        "Token mh_0123456789ab_" + "a" * 43,
        "Bearer mh_0123456789ab_" + "a" * 42,
        "Bearer mh_0123456789AB_" + "a" * 43,
    ],
)
def test_a_malformed_header_is_a_401_that_shows_the_form(client, db, header):
    error = _refused(
        client.get("/api/reports", headers={"Authorization": header}), 401, "malformed_key"
    )
    assert "Bearer mh_" in error["message"]


def test_an_unknown_key_and_a_wrong_secret_read_the_same(client, alice):
    _key, token = make_key(alice)
    wrong_secret = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
    unknown = "mh_000000000000_" + token.split("_", 2)[2]
    for bad in (wrong_secret, unknown):
        response = client.get("/api/reports", headers={"Authorization": f"Bearer {bad}"})
        error = _refused(response, 401, "invalid_key")
        assert error["message"] == "This API key is not valid."


def test_a_revoked_key_is_refused(client, alice):
    key, token = make_key(alice)
    api_key_revoke(key=key, actor=Membership.objects.get(user=alice))
    response = client.get("/api/reports", headers={"Authorization": f"Bearer {token}"})
    _refused(response, 401, "revoked_key")


def test_an_expired_key_is_refused_with_its_expiry(client, alice):
    key, token = make_key(alice)
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get("/api/reports", headers={"Authorization": f"Bearer {token}"})
    error = _refused(response, 401, "expired_key")
    assert "expired on" in error["message"]


def test_a_read_key_cannot_write_nor_read_another_area(alice, key_for, org_a):
    from tests.reports.page_data import make_brand

    brand = make_brand(org_a, "Acme", status="unreviewed")
    reader: ApiClient = key_for(alice, ["reports:read", "brands:read"])
    assert reader.get("/api/reports").status_code == 200
    assert reader.get("/api/brands").status_code == 200
    error = _refused(reader.post(f"/api/brands/{brand.pk}/track"), 403, "insufficient_scope")
    assert "brands:write" in error["message"]
    _refused(reader.get("/api/feeds"), 403, "insufficient_scope")
    brand.refresh_from_db()
    assert brand.status == "unreviewed"


def test_a_write_scope_includes_reading(alice, key_for):
    writer: ApiClient = key_for(alice, ["feeds:write"])
    assert writer.get("/api/feeds").status_code == 200


def test_use_is_recorded_at_most_once_a_minute(alice, key_for):
    api: ApiClient = key_for(alice, ["reports:read"])
    key = ApiKey.objects.get()
    assert key.last_used_at is None
    api.get("/api/reports")
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None
    api.get("/api/reports")
    key.refresh_from_db()
    assert key.last_used_at == first
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=first - timedelta(minutes=2))
    api.get("/api/reports")
    key.refresh_from_db()
    assert key.last_used_at > first - timedelta(minutes=2)


def test_only_the_hash_of_the_secret_is_stored(alice):
    key, token = make_key(alice)
    secret = token.split("_", 2)[2]
    stored = ApiKey.objects.filter(pk=key.pk).values()[0]
    assert all(secret not in str(value) for value in stored.values())
    assert token.startswith(f"mh_{key.prefix}_")
