"""Creating, editing and deduplicating contacts; importing suggestions; expiry; brand merge."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contacts.models import BrandContact, ContactSource
from contacts.services.contacts import (
    DuplicateContact,
    contact_create,
    contact_update,
    find_duplicate,
    suggestion_import,
    suggestions_expire,
)
from reports.services.feedback import brand_merge
from tests.contacts.builders import make_brand, make_contact, make_suggestion

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(org_a):
    return make_brand(org_a, "Acme")


def test_a_contact_is_created_with_a_normalized_email_and_its_author(org_a, alice, acme):
    contact = contact_create(
        organization=org_a,
        actor=alice,
        brand=acme,
        full_name="  Jane Doe ",
        email="Jane.Doe@ACME.example",
        title="Head of PR",
    )

    contact.refresh_from_db()
    assert (contact.full_name, contact.email) == ("Jane Doe", "jane.doe@acme.example")
    assert (contact.source, contact.created_by, contact.suggested) == ("manual", alice, False)


def test_the_same_email_in_any_case_is_a_duplicate_and_names_the_existing_contact(org_a, acme):
    existing = make_contact(acme, "Jane Doe", email="jane@acme.example")
    other_brand = make_brand(org_a, "Globex")

    with pytest.raises(DuplicateContact) as caught:
        contact_create(
            organization=org_a,
            actor=None,
            brand=other_brand,
            full_name="J. Doe",
            email="JANE@acme.example",
        )

    assert caught.value.duplicate.contact == existing
    assert caught.value.message_dict == {
        "email": ["Jane Doe already has the email jane@acme.example."]
    }
    assert BrandContact.objects.count() == 1


def test_the_same_name_at_the_same_brand_is_a_duplicate_despite_accents_and_spacing(org_a, acme):
    existing = make_contact(acme, "Zoë  O'Neil")

    duplicate = find_duplicate(organization=org_a, email="", full_name="zoe o'neil", brand=acme)

    assert duplicate is not None and duplicate.contact == existing and duplicate.reason == "name"
    # The same name at another brand is another person.
    assert (
        find_duplicate(
            organization=org_a, email="", full_name="Zoe O'Neil", brand=make_brand(org_a, "Initech")
        )
        is None
    )


def test_another_organizations_contacts_are_never_duplicates(org_a, org_b, acme):
    make_contact(make_brand(org_b, "Acme"), "Jane Doe", email="jane@acme.example")

    contact = contact_create(
        organization=org_a, actor=None, brand=acme, full_name="Jane Doe", email="jane@acme.example"
    )

    assert contact.organization == org_a


def test_another_organizations_brand_is_refused(org_a, org_b):
    with pytest.raises(ValidationError) as caught:
        contact_create(
            organization=org_a, actor=None, brand=make_brand(org_b, "Acme"), full_name="Jane"
        )
    assert "brand" in caught.value.message_dict


def test_an_invalid_email_is_a_field_error_and_nothing_is_saved(org_a, acme):
    with pytest.raises(ValidationError) as caught:
        contact_create(organization=org_a, actor=None, brand=acme, full_name="Jane", email="jane@")
    assert "email" in caught.value.message_dict
    assert not BrandContact.objects.exists()


def test_the_services_check_phone_and_linkedin_shapes_whatever_the_caller(org_a, acme):
    with pytest.raises(ValidationError) as caught:
        contact_create(
            organization=org_a,
            actor=None,
            brand=acme,
            full_name="Jane",
            phone="call me",
            linkedin_url="https://example.com/jane",
        )
    assert set(caught.value.message_dict) == {"phone", "linkedin_url"}
    assert not BrandContact.objects.exists()


def test_editing_keeps_the_contact_and_refuses_another_contacts_email(acme):
    jane = make_contact(acme, "Jane Doe", email="jane@acme.example")
    make_contact(acme, "Sam Lee", email="sam@acme.example")

    contact_update(contact=jane, title="Director of Communications", email="jane@acme.example")
    with pytest.raises(DuplicateContact):
        contact_update(contact=jane, email="sam@acme.example")

    jane.refresh_from_db()
    assert (jane.title, jane.email) == ("Director of Communications", "jane@acme.example")


def test_importing_a_suggestion_makes_it_a_contact_without_expiry(alice, acme):
    suggestion = make_suggestion(acme, "Sam Lee", title="PR Manager")

    contact, created = suggestion_import(suggestion=suggestion, actor=alice)

    contact.refresh_from_db()
    assert created and contact.pk == suggestion.pk
    assert (contact.suggested, contact.expires_at, contact.verified) == (False, None, False)
    assert contact.source == ContactSource.WEB_SEARCH  # Provenance is kept.
    assert contact.created_by == alice


def test_importing_a_suggestion_of_a_known_person_fills_the_gaps_of_the_existing_contact(
    alice, acme
):
    existing = make_contact(acme, "Sam Lee", title="", email="sam@acme.example")
    suggestion = make_suggestion(
        acme, "Sam  Lee", title="PR Manager", linkedin_url="https://www.linkedin.com/in/sam-lee"
    )

    contact, created = suggestion_import(suggestion=suggestion, actor=alice)

    assert not created and contact == existing
    existing.refresh_from_db()
    assert existing.title == "PR Manager"
    assert existing.linkedin_url == "https://www.linkedin.com/in/sam-lee"
    assert existing.email == "sam@acme.example"
    assert not BrandContact.objects.filter(pk=suggestion.pk).exists()


def test_a_contact_cannot_be_imported_twice(alice, acme):
    with pytest.raises(ValidationError, match="already a contact"):
        suggestion_import(suggestion=make_contact(acme), actor=alice)


def test_expiry_erases_expired_suggestions_only(acme):
    now = timezone.now()
    expired = make_suggestion(acme, "Old One", expires_at=now - timedelta(minutes=1))
    fresh = make_suggestion(acme, "New One", expires_at=now + timedelta(days=1))
    kept = make_contact(acme, "Imported", expires_at=None)

    assert suggestions_expire(now=now) == 1

    remaining = set(BrandContact.objects.values_list("pk", flat=True))
    assert remaining == {fresh.pk, kept.pk} and expired.pk not in remaining


def test_merging_brands_moves_their_contacts(org_a, alice, acme):
    old = make_brand(org_a, "Acme Rockets")
    jane = make_contact(old, "Jane Doe")

    brand_merge(source=old, target=acme, actor=alice)

    jane.refresh_from_db()
    assert jane.brand == acme
