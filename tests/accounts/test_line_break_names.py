"""Organization names with line breaks are refused; a stored one cannot break an invite mail.

Issue #17, item 4: such a name made the invitation mail raise (BadHeaderError) and the
invite answer 500.
"""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import Organization, Role
from accounts.services import organization_create

pytestmark = pytest.mark.django_db
BREAKS = ["\n", "\r", "\r\n", "\u2028", "\u2029", "\x85", "\x0b"]


@pytest.mark.parametrize("brk", BREAKS)
def test_the_organization_form_refuses_a_name_with_a_line_break(client_for, alice, org_a, brk):
    response = client_for(alice).post(
        reverse("accounts:edit"),
        {"name": f"Acme{brk}Bcc: victim@example.com", "time_zone": "UTC"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 200
    assert "line break" in response.content.decode()
    org_a.refresh_from_db()
    assert org_a.name == "Organization A"


@pytest.mark.parametrize("brk", BREAKS)
def test_the_organization_model_refuses_a_name_with_a_line_break(brk):
    with pytest.raises(ValidationError) as caught:
        organization_create(name=f"Acme{brk}Corp")

    assert "name" in caught.value.error_dict
    assert not Organization.objects.exists()


def test_an_invite_from_an_organization_whose_stored_name_has_a_line_break_is_sent(
    client_for, alice, org_a, django_capture_on_commit_callbacks
):
    # Stored before names were checked (or written around the services).
    Organization.objects.filter(pk=org_a.pk).update(name="Acme\r\nBcc: victim@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post(
            reverse("accounts:member_invite"),
            {"email": "erin@example.com", "role": Role.MEMBER},
            HTTP_HX_REQUEST="true",
        )

    assert response.status_code == 200
    [message] = mail.outbox
    assert message.subject == (
        "You are invited to Acme Bcc: victim@example.com on Marketing Hunting"
    )
    assert message.to == ["erin@example.com"] and not message.bcc
