"""The Usage page (owners and admins of the current organization), its CSV, and the
operators' page across organizations."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from billing.services import usage_record_compute
from tests.usage.world import add_usage

pytestmark = pytest.mark.django_db

NOV = date(2026, 11, 3)
URL = "/usage/"
# Session and user, memberships, 8 usage reads, 4 storage counts, the active-member write,
# the menus: the same whatever the number of days, models or rows.
QUERY_BUDGET = 22


def _csv(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_an_owner_sees_usage_per_day_with_charts_and_the_economy_saving(org_a, alice, client_for):
    add_usage(
        org_a,
        NOV,
        articles=4,
        analysed=3,
        llm=[("gpt-4o-mini", 1000, 200, "0.012")],
        drafted=2,
        sent=1,
        searches=1,
        users=[alice],
        economy_saved="1.50",
    )
    response = client_for(alice).get(URL, {"month": "2026-11"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('<svg class="time-chart') == 5
    assert "Articles per day, November 2026" in body
    assert "gpt-4o-mini" in body
    assert 'data-testid="usage-economy"' in body and "$1.50" in body
    assert "LLM tokens by model per day" in body


def test_the_csv_has_one_row_per_day_a_bom_and_formula_safe_model_names(org_a, alice, client_for):
    add_usage(org_a, NOV, articles=2, llm=[("=HYPERLINK(evil)", 10, 5, "0.5")])
    response = client_for(alice).get(URL, {"month": "2026-11", "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    assert f"usage-{org_a.slug}-days-2026-11.csv" in response["Content-Disposition"]
    rows = _csv(response)
    head = rows[0]
    assert head[:3] == ["Day", "Articles fetched", "Articles analysed"]
    assert "'=HYPERLINK(evil) tokens" in head
    assert len(rows) == 1 + 30
    third = dict(zip(head, rows[3], strict=True))
    assert third["Day"] == "2026-11-03" and third["Articles fetched"] == "2"
    assert third["'=HYPERLINK(evil) cost (USD)"] == "0.500000"


def test_the_months_view_and_its_csv(org_a, alice, client_for):
    add_usage(org_a, NOV, articles=2)
    client = client_for(alice)
    assert client.get(URL, {"view": "months", "month": "2026-11"}).status_code == 200
    rows = _csv(client.get(URL, {"view": "months", "month": "2026-11", "format": "csv"}))
    assert rows[0][0] == "Month" and len(rows) == 13
    assert rows[-1][:2] == ["2026-11", "2"]


def test_a_bad_month_shows_the_reason_and_this_month(org_a, alice, client_for):
    response = client_for(alice).get(URL, {"month": "11/2026"})
    assert response.status_code == 200
    assert "“11/2026” is not a month" in response.content.decode()
    assert response.context["span"].month == timezone.now().date().replace(day=1)


def test_a_member_is_refused_and_only_the_own_organization_is_counted(
    org_a, org_b, alice, bob, charlie, client_for
):
    add_usage(org_a, NOV, articles=5)
    assert client_for(bob).get(URL).status_code == 403
    # Charlie (owner in B) sees B's usage only, whatever he asks for.
    response = client_for(charlie).get(URL, {"month": "2026-11", "organization": org_a.pk})
    assert response.context["report"].total["articles_fetched"] == 0


def test_the_page_links_from_settings_and_the_menu(org_a, alice, bob, client_for):
    settings_page = client_for(alice).get("/organization/settings/").content.decode()
    assert 'href="/usage/"' in settings_page
    assert 'href="/usage/"' not in client_for(bob).get("/").content.decode()


def test_the_query_count_does_not_grow_with_the_data(org_a, alice, client_for):
    add_usage(org_a, date(2026, 11, 1), articles=1, tag="first")
    client = client_for(alice)
    client.get(URL)  # the member's active-day row is written on the first page of the day
    with CaptureQueriesContext(connection) as few:
        client.get(URL, {"month": "2026-11"})
    for day in range(1, 6):
        add_usage(
            org_a,
            date(2026, 11, day),
            articles=3,
            analysed=2,
            llm=[("a", 1, 1, "0.1"), ("b", 1, 1, "0.1")],
            drafted=1,
            users=[alice],
        )
    with CaptureQueriesContext(connection) as many:
        client.get(URL, {"month": "2026-11"})
    assert len(many) == len(few) <= QUERY_BUDGET, [q["sql"][:80] for q in many]


@pytest.fixture
def operator(alice):
    alice.is_staff = alice.is_superuser = True
    alice.save()
    return alice


def test_operators_see_every_organizations_month_and_its_billing_export(
    org_a, org_b, operator, bob, client_for
):
    add_usage(org_a, NOV, articles=3, llm=[("m", 10, 10, "2.5")])
    add_usage(org_b, NOV, articles=1, tag="b")
    usage_record_compute(organization=org_a, day=NOV, close=True)
    client = client_for(operator)
    page = client.get("/admin/usage/", {"month": "2026-11"})
    assert page.status_code == 200
    rows = {org.pk: cells for org, cells in page.context["rows"]}
    assert rows[org_a.pk][0] == 3 and rows[org_b.pk][0] == 1
    assert page.context["overall"][0] == 4
    assert "2.50" in page.content.decode()

    exported = client.get(
        "/admin/usage/", {"month": "2026-11", "organization": org_a.pk, "format": "json"}
    )
    data = json.loads(exported.content)
    assert data["organization"]["id"] == org_a.pk and data["month"] == "2026-11"
    assert data["totals"]["articles_fetched"] == 3 and data["totals"]["llm_cost_usd"] == "2.500000"
    assert data["days"][0]["closed_at"]
    rows = _csv(
        client.get("/admin/usage/", {"month": "2026-11", "organization": org_a.pk, "format": "csv"})
    )
    assert rows[1][0] == "2026-11-03" and rows[1][2] == "3"
    missing = client.get("/admin/usage/", {"organization": 999999, "format": "csv"})
    assert missing.status_code == 404
    assert client.get("/admin/usage/", {"organization": "x", "format": "json"}).status_code == 404

    # Not for members, however they ask.
    assert client_for(bob).get("/admin/usage/").status_code == 302
