"""API keys in Organization settings: owners and admins make and revoke them; the key is
shown once."""

import re

from accounts.models import ApiKey
from accounts.services import api_key_hash


def _token(response) -> str:
    return re.search(r'value="(mh_[^"]+)"', response.content.decode()).group(1)


def _create(client, **data):
    values = {"name": "CRM sync", "scopes": ["reports:read", "feeds:write"], "expires_in_days": 90}
    values.update(data)
    return client.post(
        "/organization/settings/api-keys/new/", values, headers={"HX-Request": "true"}
    )


def test_an_owner_makes_a_key_and_sees_it_once(alice, client_for):
    client = client_for(alice)
    response = _create(client)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    key = ApiKey.objects.get()
    token = _token(response)
    assert key.hashed_secret == api_key_hash(token.split("_", 2)[2])
    assert key.scopes == ["reports:read", "feeds:write"]
    assert key.created_by == alice
    page = client.get("/organization/settings/").content.decode()
    assert "CRM sync" in page
    assert f"mh_{key.prefix}_…" in page
    assert token not in page


def test_bad_input_stays_in_the_drawer_with_its_errors(alice, client_for):
    response = _create(client_for(alice), name="", scopes=["everything"], expires_in_days=7)
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"name", "scopes", "expires_in_days"}
    assert not ApiKey.objects.exists()


def test_a_member_can_neither_make_nor_see_keys(alice, bob, client_for):
    _create(client_for(alice))
    member = client_for(bob)
    assert _create(member, name="Mine").status_code == 403
    assert "CRM sync" not in member.get("/organization/settings/").content.decode()
    assert ApiKey.objects.count() == 1


def test_revoking_stops_the_key_and_keeps_it_listed(alice, client_for):
    client = client_for(alice)
    token = _token(_create(client))
    key = ApiKey.objects.get()
    response = client.post(f"/organization/settings/api-keys/{key.pk}/revoke/")
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by == alice
    assert "revoked" in client.get("/organization/settings/").content.decode()
    api = client.get("/api/reports", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


def test_charlie_cannot_revoke_alices_key(alice, charlie, client_for):
    _create(client_for(alice))
    key = ApiKey.objects.get()
    response = client_for(charlie).post(f"/organization/settings/api-keys/{key.pk}/revoke/")
    assert response.status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_removing_a_member_revokes_the_keys_they_made(alice, bob, client_for, db):
    from accounts.models import Membership, Role

    Membership.objects.filter(user=bob).update(role=Role.ADMIN)
    token = _token(_create(client_for(bob), name="Bob's sync"))
    remover = client_for(alice)
    bob_membership = Membership.objects.get(user=bob)
    remover.post(f"/organization/settings/members/{bob_membership.pk}/remove/")
    key = ApiKey.objects.get()
    assert key.revoked_at is not None and key.revoked_by == alice
    api = remover.get("/api/reports", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401
    assert api.json()["error"]["code"] == "revoked_key"


def test_operators_see_and_revoke_keys_in_the_admin_without_the_secret(alice, client_for, db):
    from django.contrib.auth.models import User

    token = _token(_create(client_for(alice)))
    key = ApiKey.objects.get()
    root = User.objects.create_superuser("root", "root@example.com", "x")
    admin = client_for(root)
    change = admin.get(f"/admin/accounts/apikey/{key.pk}/change/").content.decode()
    assert key.prefix in change and key.hashed_secret not in change
    assert admin.get("/admin/accounts/apikey/add/").status_code == 403
    admin.post(
        "/admin/accounts/apikey/",
        {"action": "revoke", "_selected_action": [key.pk]},
    )
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by == root
    api = admin.get("/api/reports", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401
