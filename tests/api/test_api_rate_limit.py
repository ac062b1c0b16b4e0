"""Requests per minute per key and per organization: a burst, then 429 with Retry-After."""

import pytest

from tests.api.conftest import ApiClient

# At 60 a minute the burst allowance (ratelimit.BURST_SECONDS, 10 s) is ~10 requests.
CEILING = 40


def _until_refused(api: ApiClient) -> tuple[int, object]:
    for sent in range(CEILING):
        response = api.get("/api/reports")
        if response.status_code != 200:
            return sent, response
    pytest.fail(f"no request of {CEILING} was refused")


def test_a_key_gets_a_burst_then_429_with_retry_after(settings, alice, key_for):
    settings.API_KEY_REQUESTS_PER_MINUTE = 60
    settings.API_ORG_REQUESTS_PER_MINUTE = 0
    answered, refused = _until_refused(key_for(alice, ["reports:read"]))
    # ~10 at once; a slow machine earns a few more back while it sends (1 a second).
    assert 8 <= answered <= 20
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    retry_after = int(refused["Retry-After"])
    assert 1 <= retry_after <= 2
    assert f"retry after {retry_after} s" in refused.json()["error"]["message"]


def test_another_key_has_its_own_budget(settings, alice, key_for):
    settings.API_KEY_REQUESTS_PER_MINUTE = 60
    settings.API_ORG_REQUESTS_PER_MINUTE = 0
    _until_refused(key_for(alice, ["reports:read"]))
    assert key_for(alice, ["reports:read"]).get("/api/reports").status_code == 200


def test_an_organizations_keys_share_its_budget_and_others_do_not(
    settings, alice, charlie, key_for
):
    settings.API_KEY_REQUESTS_PER_MINUTE = 0
    # 6 a minute: one request back every 10 s, so a loaded machine cannot earn the second key
    # a request between the refusal and its own (at 60 a minute it did, once a second).
    settings.API_ORG_REQUESTS_PER_MINUTE = 6
    first_key, other_key = key_for(alice, ["reports:read"]), key_for(alice, ["reports:read"])
    _until_refused(first_key)
    second_key = other_key.get("/api/reports")
    assert second_key.status_code == 429
    assert second_key["Retry-After"]
    assert key_for(charlie, ["reports:read"]).get("/api/reports").status_code == 200


def test_refused_keys_spend_no_budget(settings, alice, key_for):
    # A real key of alice's organization, refused for its scope, must not use up the
    # organization's budget (the scope is checked before the limiter is charged).
    settings.API_KEY_REQUESTS_PER_MINUTE = 0
    settings.API_ORG_REQUESTS_PER_MINUTE = 60
    wrong_scope = key_for(alice, ["feeds:read"])
    for _ in range(CEILING):
        assert wrong_scope.get("/api/reports").status_code == 403
    assert key_for(alice, ["reports:read"]).get("/api/reports").status_code == 200


def test_limits_of_zero_turn_the_limiter_off(settings, alice, key_for):
    settings.API_KEY_REQUESTS_PER_MINUTE = 0
    settings.API_ORG_REQUESTS_PER_MINUTE = 0
    api = key_for(alice, ["reports:read"])
    assert all(api.get("/api/reports").status_code == 200 for _ in range(25))
