"""API test cast: alice's key works in organization A, charlie's in organization B."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts.models import ApiScope, Membership
from accounts.services import api_key_create

ALL_SCOPES = list(ApiScope.values)


@dataclass
class ApiClient:
    """Django's test client with a key in the Authorization header."""

    token: str
    client: Client

    def _headers(self, headers: dict | None) -> dict:
        return {"Authorization": f"Bearer {self.token}", **(headers or {})}

    def get(self, path: str, data: dict | None = None, headers: dict | None = None):
        return self.client.get(path, data, headers=self._headers(headers))

    def post(self, path: str, body: object = None, headers: dict | None = None):
        return self.client.post(
            path, body, content_type="application/json", headers=self._headers(headers)
        )

    def patch(self, path: str, body: object = None, headers: dict | None = None):
        return self.client.patch(
            path, body, content_type="application/json", headers=self._headers(headers)
        )

    def delete(self, path: str, headers: dict | None = None):
        return self.client.delete(path, headers=self._headers(headers))


def make_key(user: User, scopes: list[str] | None = None, days: int = 30):
    membership = Membership.objects.get(user=user)
    return api_key_create(
        organization=membership.organization,
        actor=membership,
        name=f"{user.username}'s key",
        scopes=ALL_SCOPES if scopes is None else scopes,
        expires_in_days=days,
    )


@pytest.fixture
def key_for(db: None) -> Callable[..., ApiClient]:
    def make(user: User, scopes: list[str] | None = None) -> ApiClient:
        _key, token = make_key(user, scopes)
        return ApiClient(token, Client())

    return make


@pytest.fixture
def alice_api(alice: User, key_for: Callable[..., ApiClient]) -> ApiClient:
    return key_for(alice)


@pytest.fixture
def charlie_api(charlie: User, key_for: Callable[..., ApiClient]) -> ApiClient:
    return key_for(charlie)
