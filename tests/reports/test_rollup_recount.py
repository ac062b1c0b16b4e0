"""A brand merge or an industry change leaves the heat table's story recount to a task on the
analysis queue: the request does not count the stories, the page says the figures are being
updated (and counts the mention rows meanwhile), and after the task — run once or twice — the
roll-ups equal the counts from the base tables."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import html

from marketing_hunting.queues import ANALYSIS, route_task
from reports import analytics, tasks
from reports.exports.ranges import DateRange
from reports.rollups.models import RollupState
from reports.rollups.recount import recount_pending
from reports.rollups.services import rollup_check, rollups_repair
from reports.services.feedback import brand_merge, brand_update
from reports.services.industries import industry_remove
from tests.reports.page_data import (
    add_mention,
    make_article,
    make_brand,
    make_industry,
    make_report,
)

pytestmark = pytest.mark.django_db

WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SPAN = (date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
def stories(org_a):
    cars, shops = make_industry(org_a, "Automotive"), make_industry(org_a, "Retail")
    acme = make_brand(org_a, "Acme", industry=cars)
    globex = make_brand(org_a, "Globex", industry=shops)
    initech = make_brand(org_a, "Initech")
    for n, named in enumerate([(acme, globex), (globex, initech), (acme, initech), (globex,)]):
        report = make_report(make_article(org_a, f"/{n}", published_at=WHEN + timedelta(days=n)))
        for brand in named:
            add_mention(report, brand, mentioned_at=WHEN + timedelta(days=n))
    return {"acme": acme, "globex": globex, "initech": initech, "cars": cars, "shops": shops}


@pytest.fixture
def queued(monkeypatch):
    sent: list[int] = []
    monkeypatch.setattr(tasks.recount_stories, "delay", sent.append)
    return sent


def assert_equal_to_base_tables(organization) -> None:
    check = rollup_check(organization=organization)
    assert (check.differences, check.co_differences, check.source_differences) == ({}, {}, {})


def heat(organization, brands) -> dict:
    span = DateRange(*SPAN, organization.time_zone)
    return analytics.industry_co_mentions(organization, [b.pk for b in brands], span).counts


def test_a_merge_leaves_the_story_recount_to_a_task_that_can_run_twice(
    org_a, stories, queued, django_capture_on_commit_callbacks
):
    acme, globex, initech = stories["acme"], stories["globex"], stories["initech"]
    with django_capture_on_commit_callbacks(execute=True):
        brand_merge(source=globex, target=acme, actor=None)
    if connection.vendor != "postgresql":
        # SQLite keeps no story counts: nothing to defer, nothing queued.
        assert queued == [] and not recount_pending(org_a)
        assert_equal_to_base_tables(org_a)
        return
    assert queued == [org_a.pk]
    assert route_task("reports.recount_stories", [org_a.pk], {}, {}) == {"queue": ANALYSIS}
    # The request did not count the stories again: the roll-up still has the old figures...
    assert rollup_check(organization=org_a).co_differences
    # ... so the heat table counts the mention rows meanwhile, with the right figures.
    with CaptureQueriesContext(connection) as captured:
        during = heat(org_a, [acme, initech])
    assert not any("reports_comentionday" in q["sql"] for q in captured.captured_queries[1:])
    assert during[acme.pk] == {None: 2}  # with Initech twice (one story was Globex's)

    assert tasks.recount_stories(org_a.pk) is not None
    org_a.__dict__.pop("_recount_pending", None)
    assert not recount_pending(org_a)
    assert_equal_to_base_tables(org_a)
    assert heat(org_a, [acme, initech]) == during
    # Run twice (a redelivery): nothing due, nothing changed.
    assert tasks.recount_stories(org_a.pk) is None
    assert_equal_to_base_tables(org_a)


def test_industry_changes_are_recounted_after_the_commit(
    org_a, alice, stories, queued, django_capture_on_commit_callbacks
):
    acme, globex = stories["acme"], stories["globex"]
    with django_capture_on_commit_callbacks(execute=True):
        brand_update(
            brand=globex,
            actor=None,
            name=globex.name,
            status=globex.status,
            industry=stories["cars"],
            website="",
        )
    if connection.vendor == "postgresql":
        assert queued == [org_a.pk]
        assert rollup_check(organization=org_a).co_differences
        tasks.recount_stories(org_a.pk)
    assert_equal_to_base_tables(org_a)
    assert heat(org_a, [acme])[acme.pk] == {stories["cars"].pk: 1, None: 1}
    # Removing an industry leaves its brands without one: recounted the same way.
    from accounts.models import Membership

    owner = Membership.objects.get(user=alice, organization=org_a)
    with django_capture_on_commit_callbacks(execute=True):
        industry_remove(industry=stories["cars"], actor=owner)
    if connection.vendor == "postgresql":
        assert queued == [org_a.pk, org_a.pk]
        tasks.recount_stories(org_a.pk)
    assert_equal_to_base_tables(org_a)
    # A name change alone counts nothing again and queues nothing.
    brand_update(
        brand=acme, actor=None, name="Acme Corp", status=acme.status, industry=None, website=""
    )
    assert len(queued) == (2 if connection.vendor == "postgresql" else 0)


def test_a_lost_recount_is_redone_by_the_repair(org_a, stories, queued):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps no story counts")
    brand_merge(source=stories["globex"], target=stories["acme"], actor=None)
    RollupState.objects.filter(organization=org_a).update(
        recount_requested_at=datetime(2026, 1, 1, tzinfo=UTC)
    )
    rollups_repair(organizations=[org_a])
    assert RollupState.objects.get(organization=org_a).recount_requested_at is None
    assert_equal_to_base_tables(org_a)


def test_the_pages_say_the_figures_are_being_updated(client_for, alice, org_a, stories, queued):
    client = client_for(alice)
    response = client.post(
        reverse("brands:merge", args=[stories["globex"].pk]),
        {"other": stories["acme"].pk},
        follow=True,
    )
    assert response.status_code == 200
    page = client.get(reverse("analytics:page"), {"brand": stories["acme"].pk})
    notice = html.fromstring(page.content.decode()).xpath("//*[@id='figures-updating']")
    text = response.content.decode()
    if connection.vendor == "postgresql":
        assert "figures are being updated" in text
        assert notice
        tasks.recount_stories(org_a.pk)
        page = client.get(reverse("analytics:page"), {"brand": stories["acme"].pk})
        assert not html.fromstring(page.content.decode()).xpath("//*[@id='figures-updating']")
    else:
        assert "being updated" not in text and not notice


def test_a_recount_due_with_a_zone_change_pending_rebuilds_everything_once(org_a, stories, queued):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps no story counts")
    brand_merge(source=stories["globex"], target=stories["acme"], actor=None)
    RollupState.objects.filter(organization=org_a).update(time_zone="Asia/Kolkata")

    assert tasks.recount_stories(org_a.pk) is not None
    state = RollupState.objects.get(organization=org_a)
    assert (state.time_zone, state.recount_requested_at) == (org_a.time_zone, None)
    assert_equal_to_base_tables(org_a)
    assert tasks.recount_stories(org_a.pk) is None
