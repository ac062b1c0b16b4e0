"""A missing object is the app's own 404 page, with DEBUG on (make run) as without."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

TECHNICAL = "because you have <code>DEBUG = True</code>"


@pytest.mark.parametrize("debug", [True, False])
def test_a_missing_report_is_the_styled_404_page(client_for, alice, settings, debug):
    settings.DEBUG = debug

    response = client_for(alice).get(reverse("reports:detail", args=[999_999]))

    body = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Not found</h1>" in body
    assert "Back to the dashboard" in body
    assert TECHNICAL not in body
    assert 'aria-label="Main"' in body  # The page keeps the navigation.
