"""Private-network, credentialed and non-http URLs are refused when they are entered (OPML
import, feed model/admin, brand add/edit/import/admin), by the one rule the add-feed form
uses, not only later when something tries to fetch them; and brand-site discovery says why
it read no page."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.urls import reverse
from import_export.formats.base_formats import CSV

from contacts.discovery import BrandWebsiteProvider
from contacts.models import DEFAULT_ROLE_KEYWORDS
from feeds.models import Feed
from feeds.services.opml import opml_import
from outbound.validators import validate_public_url
from reports.models import Brand
from reports.services.brand_import import brand_list_import
from reports.services.watchlists import brand_create_tracked
from tests.contacts.builders import make_brand

pytestmark = pytest.mark.django_db

REFUSED = [
    "http://127.0.0.1/feed",
    "http://localhost:8080/feed",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.5/rss",
    "http://[::1]/rss",
    "http://user:pass@news.example/rss",
    "ftp://news.example/rss",
]


@pytest.fixture(autouse=True)
def _production_policy(settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False


@pytest.mark.parametrize("url", REFUSED)
def test_the_shared_rule_refuses(url):
    with pytest.raises(ValidationError):
        validate_public_url(url)


def test_the_shared_rule_lets_an_unresolvable_public_name_through():
    # A host that does not resolve today may tomorrow; the fetch will tell.
    validate_public_url("https://news.example/rss")


def test_private_addresses_are_allowed_when_the_operator_says_so(settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True
    validate_public_url("http://127.0.0.1:8000/feed")
    with pytest.raises(ValidationError):  # credentials are never fine
        validate_public_url("http://user:pass@127.0.0.1/feed")


def test_opml_import_skips_private_network_feeds_with_the_reason(org_a):
    outlines = "".join(f'<outline text="f{i}" xmlUrl="{url}"/>' for i, url in enumerate(REFUSED))
    data = f'<opml version="2.0"><body>{outlines}<outline text="ok" xmlUrl="https://news.example/rss"/></body></opml>'

    report = opml_import(organization=org_a, data=data.encode())

    assert [feed.url for feed in report.added] == ["https://news.example/rss"]
    assert [url for url, _reason in report.skipped] == REFUSED
    reasons = dict(report.skipped)
    assert "loopback" in reasons["http://127.0.0.1/feed"]
    assert "user name or password" in reasons["http://user:pass@news.example/rss"]
    assert list(Feed.objects.values_list("url", flat=True)) == ["https://news.example/rss"]


@pytest.mark.parametrize("url", ["http://169.254.169.254/", "http://user:pass@news.example/"])
def test_the_feed_model_refuses_it_so_the_admin_does(org_a, url):
    feed = Feed(organization=org_a, name="x", url=url)

    with pytest.raises(ValidationError) as error:
        feed.full_clean()

    assert "url" in error.value.message_dict


@pytest.mark.parametrize(
    "website",
    ["127.0.0.1", "http://169.254.169.254/", "ftp://acme.example", "https://u:p@acme.example"],
)
def test_adding_a_brand_refuses_the_website(org_a, website):
    with pytest.raises(ValidationError) as error:
        brand_create_tracked(organization=org_a, actor=None, name="Acme", website=website)

    assert "website" in error.value.message_dict
    assert not Brand.objects.exists()


def test_the_brand_list_import_reports_the_website_as_the_rows_error(org_a):
    content = b"name,website\nAcme,http://192.168.1.1/\nGlobex,https://globex.example\n"

    summary = brand_list_import(organization=org_a, actor=None, content=content)

    assert summary.added == ["Globex"]
    assert "192.168.1.1" in summary.skipped[0][2]


def test_editing_a_brand_refuses_a_metadata_website(client_for, alice, org_a):
    brand = make_brand(org_a, "Acme", website="https://acme.example")

    response = client_for(alice).post(
        reverse("brands:edit", args=[brand.pk]),
        {"name": "Acme", "status": brand.status, "website": "http://169.254.169.254/"},
    )

    assert "website" in response.context["form"].errors
    brand.refresh_from_db()
    assert brand.website == "https://acme.example"


def test_the_brand_model_refuses_it_so_the_admin_does(org_a):
    brand = Brand(organization=org_a, name="Acme", key="acme", website="http://127.0.0.1/")

    with pytest.raises(ValidationError) as error:
        brand.full_clean()

    assert "website" in error.value.message_dict


def test_the_brand_admin_form_refuses_it(client_for, org_a):
    ops = client_for(User.objects.create_superuser("ops", "ops@example.com", "x"))
    brand = make_brand(org_a, "Acme", website="https://acme.example")

    response = ops.post(
        reverse("admin:reports_brand_change", args=[brand.pk]),
        {
            "organization": org_a.pk,
            "name": "Acme",
            "key": "acme",
            "status": brand.status,
            "website": "http://[::1]/",
        },
    )

    assert response.status_code == 200
    assert "website" in response.context["adminform"].form.errors


def test_discovery_says_why_a_stored_private_website_is_not_read(org_a):
    # Stored before the rule existed: discovery names the reason instead of "read 0 pages".
    brand = make_brand(org_a, "Acme", website="http://127.0.0.1/")

    reason = BrandWebsiteProvider().unavailable_reason(brand)

    assert reason is not None and "loopback" in reason


def test_discovery_says_why_it_read_no_page(http_server, org_a, settings):
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True  # the test site listens on 127.0.0.1
    brand = make_brand(org_a, "Acme", website=http_server.url_for("/"))  # every path is 404

    findings = BrandWebsiteProvider().find(brand, list(DEFAULT_ROLE_KEYWORDS))

    assert findings.summary.startswith("Read 0 pages of")
    assert "404" in findings.summary


def test_the_feed_admin_import_refuses_a_private_feed(org_a):
    resource = admin.site._registry[Feed].get_import_resource_classes(None)[0]()
    dataset = CSV().create_dataset(
        f"organization,name,url\n{org_a.slug},Meta,http://169.254.169.254/latest/\n"
    )

    result = resource.import_data(dataset, dry_run=False)

    assert result.has_validation_errors()
    assert not Feed.objects.exists()
