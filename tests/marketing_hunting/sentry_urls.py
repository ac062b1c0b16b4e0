"""The project's URLs plus one view that fails while holding a contact's personal data."""

import logging

from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from contacts.models import BrandContact
from marketing_hunting.urls import urlpatterns as project_urlpatterns

logger = logging.getLogger("contacts.drafting")


@csrf_exempt  # posted by a plain HTTP client in the test, with no form to take a token from
def draft_for_contact(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = BrandContact.objects.get(pk=contact_id)
    full_name, email, phone = contact.full_name, contact.email, contact.phone
    article_text = request.POST.get("article_text", "")
    logger.info("Drafting an email to %s <%s> about %s", full_name, email, article_text)
    raise RuntimeError(f"Could not draft for {full_name} <{email}>, phone {phone}")


urlpatterns = [
    path("test-sentry/draft/<int:contact_id>/", draft_for_contact),
    *project_urlpatterns,
]
