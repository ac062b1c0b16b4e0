"""The organization's template wording and sender profile (services)."""

import pytest
from django.core.exceptions import ValidationError

from contacts.drafting.defaults import BUILTIN_TEMPLATES
from contacts.drafting.render import template_for
from contacts.models import ContactSettings, EmailTemplate
from contacts.services.templates import (
    email_template_reset,
    email_template_update,
    sender_profile_update,
)


def test_an_override_replaces_the_built_in_wording_until_reset(org_a, org_b):
    email_template_update(
        organization=org_a,
        kind="pitch",
        subject=" Idea  for {brand} ",
        body="{greeting}\r\n\r\nText.\r\n",
        instructions="Be brief.",
    )

    mine = template_for(org_a, "pitch")
    assert (mine.subject, mine.body, mine.instructions, mine.customized) == (
        "Idea for {brand}",
        "{greeting}\n\nText.",
        "Be brief.",
        True,
    )
    assert template_for(org_b, "pitch").body == BUILTIN_TEMPLATES["pitch"].body

    email_template_reset(organization=org_a, kind="pitch")

    assert not EmailTemplate.objects.filter(organization=org_a).exists()
    assert template_for(org_a, "pitch").subject == BUILTIN_TEMPLATES["pitch"].subject


def test_empty_instructions_keep_the_built_in_goal(org_a):
    email_template_update(organization=org_a, kind="thank_you", subject="Thanks", body="Thanks!")

    assert (
        template_for(org_a, "thank_you").instructions == BUILTIN_TEMPLATES["thank_you"].instructions
    )


def test_a_template_with_a_misspelt_placeholder_is_refused_with_field_errors(org_a):
    with pytest.raises(ValidationError) as caught:
        email_template_update(
            organization=org_a,
            kind="pitch",
            subject="Hi {contact_firstname}",
            body="",
        )

    errors = caught.value.message_dict
    assert errors["subject"] == [
        "Unknown placeholder {contact_firstname}. See the list of placeholders below."
    ]
    assert errors["body"] == ["Write the email's text."]
    assert not EmailTemplate.objects.exists()


def test_an_unknown_template_kind_is_refused(org_a):
    with pytest.raises(ValidationError) as caught:
        email_template_update(organization=org_a, kind="spam", subject="S", body="B")

    assert "kind" in caught.value.message_dict


def test_the_sender_profile_is_saved_and_checked(org_a):
    sender_profile_update(
        organization=org_a,
        sender_name=" Alice Martin ",
        sender_title="Partnerships",
        sender_company="Hunt & Co",
        sender_email="Alice@Hunt.example",
        sender_signature="Alice\r\nHunt & Co\r\n",
    )

    row = ContactSettings.objects.get(organization=org_a)
    assert (row.sender_name, row.sender_email, row.sender_signature) == (
        "Alice Martin",
        "alice@hunt.example",
        "Alice\nHunt & Co",
    )

    with pytest.raises(ValidationError) as caught:
        sender_profile_update(
            organization=org_a,
            sender_name="x" * 201,
            sender_title="",
            sender_company="",
            sender_email="not an email",
            sender_signature="",
        )

    assert set(caught.value.message_dict) == {"sender_name", "sender_email"}
    row.refresh_from_db()
    assert row.sender_name == "Alice Martin"
