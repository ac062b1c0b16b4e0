"""Builders for the contacts tests: brands, contacts and suggestions made with the models."""

from datetime import timedelta

from django.utils import timezone

from contacts.models import BrandContact, ContactSource
from reports.models import Brand
from tests.reports.page_data import add_mention, make_article, make_brand, make_report

__all__ = ["add_mention", "make_article", "make_brand", "make_contact", "make_report"]


def make_contact(brand: Brand, full_name: str = "Jane Doe", **values) -> BrandContact:
    values.setdefault("title", "Head of PR")
    values.setdefault("company", brand.name)
    return BrandContact.objects.create(
        organization_id=brand.organization_id, brand=brand, full_name=full_name, **values
    )


def make_suggestion(brand: Brand, full_name: str = "Sam Lee", **values) -> BrandContact:
    values.setdefault("source", ContactSource.WEB_SEARCH)
    values.setdefault("source_url", "https://www.linkedin.com/in/sam-lee")
    values.setdefault("expires_at", timezone.now() + timedelta(days=30))
    return make_contact(brand, full_name, suggested=True, **values)
