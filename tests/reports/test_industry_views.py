"""The industry taxonomy in the app: owners and admins add, rename and remove; members read;
another organization's entries are a 404."""

import pytest
from django.urls import reverse
from lxml import html

from reports.models import Brand, Industry
from tests.reports.analysis_data import track

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
LIST_URL = reverse("brands:industries")


@pytest.fixture
def fashion(org_a) -> Industry:
    return Industry.objects.create(organization=org_a, name="Fashion & Apparel")


def _text(response) -> str:
    return " ".join(html.fromstring(response.content.decode()).text_content().split())


def test_the_list_shows_each_industry_with_its_brand_count(client_for, bob, org_a, fashion):
    track(org_a, "Nike", industry=fashion)

    page = _text(client_for(bob).get(LIST_URL))

    assert "Fashion & Apparel 1" in page and "Owners and admins change the list" in page


def test_an_owner_adds_an_industry_and_a_duplicate_is_refused(client_for, alice, org_a, fashion):
    client = client_for(alice)

    added = client.post(reverse("brands:industry_add"), {"name": "  Food &  Beverage "}, **HTMX)
    again = client.post(reverse("brands:industry_add"), {"name": "fashion & apparel"}, **HTMX)

    assert added.headers["HX-Redirect"] == LIST_URL
    assert "is already in the list" in _text(again)
    assert sorted(Industry.objects.filter(organization=org_a).values_list("name", flat=True)) == [
        "Fashion & Apparel",
        "Food & Beverage",
    ]


def test_a_rename_keeps_the_brands_industry(client_for, alice, org_a, fashion):
    nike = track(org_a, "Nike", industry=fashion)

    client_for(alice).post(
        reverse("brands:industry_edit", args=[fashion.pk]), {"name": "Apparel"}, **HTMX
    )

    nike.refresh_from_db()
    assert nike.industry.name == "Apparel"


def test_a_removal_leaves_its_brands_without_an_industry(client_for, alice, org_a, fashion):
    nike = track(org_a, "Nike", industry=fashion)
    client = client_for(alice)

    confirm = client.get(reverse("brands:industry_remove", args=[fashion.pk]), **HTMX)
    client.post(reverse("brands:industry_remove", args=[fashion.pk]), **HTMX)

    assert "Its 1 brand(s) stay" in _text(confirm)
    assert Brand.objects.get(pk=nike.pk).industry is None
    assert not Industry.objects.filter(pk=fashion.pk).exists()


def test_a_member_cannot_change_the_list(client_for, bob, org_a, fashion):
    client = client_for(bob)

    assert client.post(reverse("brands:industry_add"), {"name": "X"}).status_code == 403
    edit = reverse("brands:industry_edit", args=[fashion.pk])
    assert client.post(edit, {"name": "X"}).status_code == 403
    remove = reverse("brands:industry_remove", args=[fashion.pk])
    assert client.post(remove).status_code == 403
    assert Industry.objects.get(pk=fashion.pk).name == "Fashion & Apparel"


def test_another_organizations_industry_is_a_404(client_for, charlie, fashion):
    client = client_for(charlie)

    edit = reverse("brands:industry_edit", args=[fashion.pk])
    assert client.post(edit, {"name": "Mine"}).status_code == 404
    assert client.post(reverse("brands:industry_remove", args=[fashion.pk])).status_code == 404
    assert "Fashion" not in _text(client.get(LIST_URL))
    assert Industry.objects.filter(pk=fashion.pk).exists()


def test_an_empty_or_multi_line_name_is_refused(client_for, alice, org_a):
    client = client_for(alice)

    empty = client.post(reverse("brands:industry_add"), {"name": "   "}, **HTMX)

    assert "This field is required" in _text(empty) or "Give the industry a name" in _text(empty)
    client.post(reverse("brands:industry_add"), {"name": "Two\nlines"}, **HTMX)
    assert list(Industry.objects.filter(organization=org_a).values_list("name", flat=True)) == [
        "Two lines"
    ]
