"""Turning contact discovery on and off: the notice must be accepted, consent is recorded,
only owners and admins may change it, bad values are refused field by field."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from contacts.services.discovery import discovery_settings_update

pytestmark = pytest.mark.django_db


def test_turning_discovery_on_requires_accepting_the_notice_and_records_who_and_when(org_a, alice):
    values = {"role_keywords": 'PR, "press", pr, Head of Brand', "retention_days": 14}
    with pytest.raises(ValidationError) as refused:
        discovery_settings_update(
            organization=org_a, actor=alice, enabled=True, accept_notice=False, **values
        )
    assert "accept_notice" in refused.value.message_dict

    row = discovery_settings_update(
        organization=org_a, actor=alice, enabled=True, accept_notice=True, **values
    )

    assert (row.discovery_enabled, row.discovery_consent_by) == (True, alice)
    assert timezone.now() - row.discovery_consent_at < timedelta(seconds=5)
    assert row.role_keywords == ["PR", "press", "Head of Brand"]
    assert row.suggestion_retention_days == 14
    accepted_at = row.discovery_consent_at
    off = discovery_settings_update(
        organization=org_a, actor=alice, enabled=False, accept_notice=False, **values
    )
    assert (off.discovery_enabled, off.discovery_consent_at) == (False, accepted_at)


def test_only_owners_and_admins_may_change_discovery(org_a, bob, charlie):
    for actor in (bob, charlie):
        with pytest.raises(PermissionDenied):
            discovery_settings_update(
                organization=org_a,
                actor=actor,
                enabled=True,
                accept_notice=True,
                role_keywords="PR",
                retention_days=30,
            )


@pytest.mark.parametrize(
    ("keywords", "days", "field"),
    [(" , ", 30, "role_keywords"), ("PR", 0, "retention_days"), ("PR", 400, "retention_days")],
)
def test_bad_settings_are_refused_field_by_field(org_a, alice, keywords, days, field):
    with pytest.raises(ValidationError) as refused:
        discovery_settings_update(
            organization=org_a,
            actor=alice,
            enabled=False,
            accept_notice=False,
            role_keywords=keywords,
            retention_days=days,
        )
    assert field in refused.value.message_dict
