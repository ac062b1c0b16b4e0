"""Plan limits: refused with the reason where feeds, jobs, contacts and members are created,
in the pages and the API; nothing existing is ever deleted; one organization's plan is its own."""

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import Invitation, Membership, Organization, Plan, Role
from accounts.quotas import QuotaExceeded, quota_check, quota_usage
from contacts.models import BrandContact
from contacts.services.contacts import contact_create
from contacts.services.transfer import contacts_import_confirm, contacts_import_preview
from feeds.models import Feed
from feeds.services.opml import opml_import
from jobs.models import Job
from tests.api.conftest import ApiClient, make_key
from tests.jobs.builders import SCHEDULE, make_job
from tests.reports.page_data import make_brand, make_feed

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


@pytest.fixture
def alice_api(alice: User) -> ApiClient:
    _key, token = make_key(alice)
    return ApiClient(token, Client())


def limit(organization: Organization, **limits: int | None) -> None:
    """Give the organization a plan with these limits (as an operator would in the admin)."""
    plan = Plan.objects.create(name=f"Plan of {organization.slug}", **limits)
    Organization.objects.filter(pk=organization.pk).update(plan=plan)


def test_the_presets_exist_and_an_organization_without_a_plan_has_no_limits(org_a):
    assert set(Plan.objects.values_list("name", flat=True)) >= {"Free", "Team", "Business"}
    for number in range(3):
        make_feed(org_a, f"Wire{number}")
    quota_check(org_a, "feeds")  # no plan: no limit
    assert all(row.limit is None for row in quota_usage(org_a))


def test_the_organization_override_wins_over_its_plan(org_a):
    limit(org_a, max_feeds=5)
    make_feed(org_a)
    Organization.objects.filter(pk=org_a.pk).update(max_feeds=1)
    with pytest.raises(QuotaExceeded, match=r"^\['Your plan allows 1 feeds; you have 1.'\]$"):
        quota_check(org_a, "feeds")


def test_a_feed_over_the_limit_is_refused_in_the_page_and_the_api(
    client_for, alice, org_a, alice_api: ApiClient
):
    limit(org_a, max_feeds=1)
    make_feed(org_a)
    data = {
        "source": "url",
        "name": "Tech News",
        "url": "https://news.example/rss.xml",
        "enabled": "on",
        "fetch_timeout": "20",
        "max_articles_per_run": "50",
    }

    page = client_for(alice).post(reverse("feeds:create"), data, headers=HTMX)
    api = alice_api.post("/api/feeds", {"name": "Tech", "url": "https://news.example/rss.xml"})

    assert page.status_code == 200
    assert "Your plan allows 1 feeds; you have 1." in page.content.decode()
    assert api.status_code == 409, api.content
    assert api.json()["error"]["code"] == "quota_exceeded"
    assert api.json()["error"]["message"] == "Your plan allows 1 feeds; you have 1."
    assert Feed.objects.filter(organization=org_a).count() == 1


def test_an_opml_import_over_the_limit_adds_up_to_it_and_says_what_was_left_out(org_a):
    limit(org_a, max_feeds=2)
    make_feed(org_a)
    outlines = "".join(
        f'<outline type="rss" text="F{n}" xmlUrl="https://f{n}.example/rss"/>' for n in range(3)
    )
    data = f'<opml version="2.0"><body>{outlines}</body></opml>'.encode()

    report = opml_import(organization=org_a, data=data)

    assert [feed.name for feed in report.added] == ["F0"]
    assert report.skipped == [
        ("https://f1.example/rss", "Your plan allows 2 feeds; you have 2."),
        ("https://f2.example/rss", "Your plan allows 2 feeds; you have 2."),
    ]
    assert Feed.objects.filter(organization=org_a).count() == 2


def test_a_job_over_the_limit_is_refused_in_the_page_and_the_api(
    client_for, alice, org_a, alice_api: ApiClient
):
    limit(org_a, max_jobs=1)
    feed = make_feed(org_a)
    make_job(org_a, feeds=[feed])
    data = {
        "name": "Hourly",
        "feeds": [feed.pk],
        "schedule_kind": "interval",
        "interval_every": "1",
        "interval_unit": "hours",
        "timezone": "UTC",
        "enabled": "on",
    }

    page = client_for(alice).post(reverse("jobs:create"), data, headers=HTMX)
    api = alice_api.post("/api/jobs", {"name": "Nightly", "feed_ids": [feed.pk], **SCHEDULE})

    assert "Your plan allows 1 jobs; you have 1." in page.content.decode()
    assert api.status_code == 409, api.content
    assert api.json()["error"]["message"] == "Your plan allows 1 jobs; you have 1."
    assert Job.objects.filter(organization=org_a).count() == 1


def test_a_contact_over_the_limit_is_refused_in_the_page_and_the_api(
    client_for, alice, org_a, alice_api: ApiClient
):
    limit(org_a, max_contacts=1)
    brand = make_brand(org_a, "Acme")
    contact_create(organization=org_a, actor=alice, brand=brand, full_name="Jane Roe")
    # A discovery suggestion is nobody's choice: it does not count.
    sam = BrandContact.objects.create(
        organization=org_a, brand=brand, full_name="Sam", suggested=True
    )

    page = client_for(alice).post(
        reverse("contacts:create"), {"brand": brand.pk, "full_name": "John Doe"}, headers=HTMX
    )
    api = alice_api.post("/api/contacts", {"brand": brand.pk, "full_name": "John Doe"})
    promote = client_for(alice).post(
        reverse("contacts:suggestion_import", args=[sam.pk]), follow=True
    )

    assert "Your plan allows 1 contacts; you have 1." in page.content.decode()
    assert "Your plan allows 1 contacts; you have 1." in promote.content.decode()
    sam.refresh_from_db()
    assert sam.suggested  # still a suggestion, not lost
    assert api.status_code == 409, api.content
    assert api.json()["error"]["message"] == "Your plan allows 1 contacts; you have 1."
    assert BrandContact.objects.filter(organization=org_a, suggested=False).count() == 1


def test_members_over_the_limit_cannot_be_invited_nor_join(client_for, alice, bob, org_a):
    invitation = Invitation.objects.create(organization=org_a, email="erin@example.com")
    limit(org_a, max_members=2)  # alice and bob: full

    invite = client_for(alice).post(
        reverse("accounts:member_invite"),
        {"email": "dan@example.com", "role": Role.MEMBER},
        headers=HTMX,
    )
    signup = Client().post(
        invitation.get_absolute_url(),
        {
            "username": "erin",
            "first_name": "Erin",
            "last_name": "Example",
            "password1": "a-long enough pass 42",
            "password2": "a-long enough pass 42",
        },
    )
    dave = User.objects.create_user("dave", "erin@example.com", "x")
    accept = client_for(dave).post(invitation.get_absolute_url())

    assert "Your plan allows 2 members; you have 2." in invite.content.decode()
    assert not Invitation.objects.filter(email="dan@example.com").exists()
    assert mail.outbox == []
    assert "Your plan allows 2 members; you have 2." in signup.content.decode()
    assert not User.objects.filter(username="erin").exists()  # rolled back with the refusal
    assert "Your plan allows 2 members; you have 2." in accept.content.decode()
    assert Membership.objects.filter(organization=org_a).count() == 2
    invitation.refresh_from_db()
    assert invitation.accepted_at is None  # still usable once there is room


def test_a_lowered_plan_deletes_nothing_refuses_more_and_shows_the_usage(
    client_for, alice, org_a, org_b, alice_api: ApiClient, charlie
):
    for number in range(3):
        make_feed(org_a, f"Wire{number}")
    limit(org_a, max_feeds=2)

    refused = alice_api.post("/api/feeds", {"name": "More", "url": "https://more.example/rss"})
    settings_page = client_for(alice).get(reverse("accounts:settings")).content.decode()
    member_page = client_for(charlie).get(reverse("accounts:settings")).content.decode()

    assert refused.json()["error"]["message"] == "Your plan allows 2 feeds; you have 3."
    assert Feed.objects.filter(organization=org_a).count() == 3
    assert 'data-testid="plan-usage"' in settings_page
    assert "3 of 2 <strong>(limit reached)</strong>" in settings_page
    # Organization B has its own (no) plan: its owner sees no limits and may add feeds.
    assert "0 of no limit" in member_page and "(limit reached)" not in member_page
    quota_check(org_b, "feeds")


def test_plain_members_do_not_see_the_plan(client_for, bob, org_a):
    limit(org_a, max_feeds=2)
    page = client_for(bob).get(reverse("accounts:settings")).content.decode()
    assert 'data-testid="plan-usage"' not in page


def test_a_contact_import_over_the_limit_imports_up_to_it_and_skips_the_rest(alice, org_a):
    brand = make_brand(org_a, "Acme")
    kept = contact_create(organization=org_a, actor=alice, brand=brand, full_name="Jane Roe")
    limit(org_a, max_contacts=3)
    text = "full_name,brand\nJane Roe,Acme\nAnn One,Acme\nBen Two,Acme\nCid Three,Acme\n"

    preview = contacts_import_preview(
        organization=org_a, actor=alice, file=SimpleUploadedFile("c.csv", text.encode())
    )
    done = contacts_import_confirm(organization=org_a, actor=alice, token=preview.token)

    assert done.committed
    assert [(row.full_name, row.action) for row in done.rows] == [
        ("Jane Roe", "skip"),  # unchanged: already there, not counted again
        ("Ann One", "new"),
        ("Ben Two", "new"),
        ("Cid Three", "skip"),
    ]
    assert done.rows[3].messages == ("Skipped: your plan allows 3 contacts; you have 3.",)
    names = set(BrandContact.objects.filter(organization=org_a).values_list("full_name", flat=True))
    assert names == {"Jane Roe", "Ann One", "Ben Two"}
    assert BrandContact.objects.filter(pk=kept.pk).exists()
