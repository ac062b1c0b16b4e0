"""The address rule (validate_public_url) runs once per save, in the model or the service,
and its message still shows on the form's field. Feeds, brand websites and the brand list
import each ran it two or three times (form, service, model): as many DNS look-ups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.urls import reverse
from lxml import html

from feeds.models import Feed
from outbound import validators
from reports.models import Brand
from tests.contacts.builders import make_brand
from tests.feeds.builders import make_feed

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
PUBLIC = "https://news.example/rss.xml"  # does not resolve here: accepted, the fetch will tell
METADATA = "http://169.254.169.254/latest/"


@pytest.fixture
def checks(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every URL the rule judged, in order (whoever called it)."""
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    judged: list[str] = []
    real_check: Callable[..., None] = validators._check

    def counting_check(url: str, **kwargs: Any) -> None:
        judged.append(url)
        real_check(url, **kwargs)

    monkeypatch.setattr(validators, "_check", counting_check)
    return judged


def feed_data(**overrides: str) -> dict[str, str]:
    data = {
        "source": "url",
        "name": "Tech News",
        "url": PUBLIC,
        "enabled": "on",
        "fetch_timeout": "20",
        "max_articles_per_run": "50",
    }
    return {**data, **overrides}


def field_errors(response: Any, name: str) -> list[str]:
    page = html.fromstring(response.content)
    return [
        node.text_content().strip()
        for node in page.xpath(f"//*[@id='id_{name}_error' or @id='add_{name}_error']")
    ]


def test_adding_a_feed_checks_its_address_once(client_for: Any, alice: Any, checks: list[str]):
    response = client_for(alice).post(reverse("feeds:create"), feed_data(), **HTMX)

    assert response.status_code in (200, 204)
    assert Feed.objects.filter(url=PUBLIC).exists()
    assert checks == [PUBLIC]


def test_editing_a_feed_checks_its_address_once(
    client_for: Any, alice: Any, org_a: Any, checks: list[str]
):
    feed = make_feed(org_a, url="https://old.example/rss.xml")
    checks.clear()

    client_for(alice).post(reverse("feeds:edit", args=[feed.pk]), feed_data(), **HTMX)

    feed.refresh_from_db()
    assert feed.url == PUBLIC
    assert checks == [PUBLIC]


@pytest.mark.parametrize("test_button", [False, True], ids=["save", "test feed"])
def test_a_refused_feed_address_is_checked_once_and_shown_on_its_field(
    client_for: Any, alice: Any, checks: list[str], test_button: bool
):
    data = feed_data(url=METADATA, **({"_test": "1"} if test_button else {}))

    response = client_for(alice).post(reverse("feeds:create"), data, **HTMX)

    errors = response.context["form"].errors
    assert "link-local cloud metadata address" in " ".join(errors["url"])
    assert Feed.objects.count() == 0
    assert checks == [METADATA]


def test_editing_a_brand_checks_its_website_once(
    client_for: Any, alice: Any, org_a: Any, checks: list[str]
):
    brand = make_brand(org_a, "Acme", website="https://acme.example")
    checks.clear()

    client_for(alice).post(
        reverse("brands:edit", args=[brand.pk]),
        {"name": "Acme", "status": brand.status, "website": "https://acme.example/new"},
        **HTMX,
    )

    brand.refresh_from_db()
    assert brand.website == "https://acme.example/new"
    assert checks == ["https://acme.example/new"]


def test_adding_a_brand_checks_its_website_once(client_for: Any, alice: Any, checks: list[str]):
    client_for(alice).post(
        reverse("brands:add"), {"name": "Globex", "website": "https://globex.example"}, **HTMX
    )

    assert Brand.objects.get(key="globex").website == "https://globex.example"
    assert checks == ["https://globex.example"]


def test_a_known_brand_given_a_new_website_checks_it_once_and_shows_a_refusal(
    client_for: Any, alice: Any, org_a: Any, checks: list[str]
):
    make_brand(org_a, "Globex", website="https://globex.example")
    checks.clear()
    client = client_for(alice)

    client.post(reverse("brands:add"), {"name": "Globex", "website": "https://globex.test"})
    assert checks == ["https://globex.test"]

    response = client.post(reverse("brands:add"), {"name": "Globex", "website": METADATA})
    assert "link-local cloud metadata address" in " ".join(
        response.context["form"].errors["website"]
    )
    assert Brand.objects.get(key="globex").website == "https://globex.test"


def test_importing_a_brand_list_checks_each_website_once(
    client_for: Any, alice: Any, checks: list[str]
):
    text = "name,website\nAcme,https://acme.example\nGlobex,http://10.0.0.5/\n"

    response = client_for(alice).post(reverse("brands:import"), {"text": text}, **HTMX)

    assert Brand.objects.get(key="acme").website == "https://acme.example"
    assert not Brand.objects.filter(key="globex").exists()
    assert "10.0.0.5 is a private address" in response.content.decode()
    assert checks == ["https://acme.example", "http://10.0.0.5/"]
