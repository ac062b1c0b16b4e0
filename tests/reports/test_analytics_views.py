"""The Analytics page: which brands it compares, what each chart counts, bad ranges said in
place, other organizations' ids ignored, and names with markup escaped everywhere."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import html

from reports.exports.ranges import resolve_range
from reports.models import BrandGroup
from tests.reports.page_data import (
    add_mention,
    make_article,
    make_brand,
    make_feed,
    make_industry,
    make_report,
)

pytestmark = pytest.mark.django_db

URL = reverse("analytics:page")
HTMX = {"HTTP_HX_REQUEST": "true"}
MARCH = {"range": "custom", "date_from": "2026-03-01", "date_to": "2026-03-10"}
HOSTILE = '<script>alert(1)</script>" onmouseover="x'


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, day, hour, tzinfo=UTC)


@pytest.fixture
def data(org_a, org_b):
    cars, shops = make_industry(org_a, "Automotive"), make_industry(org_a, "Retail")
    acme = make_brand(org_a, "Acme Corp", industry=cars)
    globex = make_brand(org_a, "Globex", industry=shops)
    hostile = make_brand(org_a, HOSTILE)
    initech = make_brand(org_a, "Initech", status="unreviewed")
    wire, daily = make_feed(org_a, "Wire"), make_feed(org_a, "Daily")
    group = BrandGroup.objects.create(organization=org_a, name="Competitors")
    for brand in (acme, globex, initech):
        brand.groups.add(group)

    def story(path, when, feeds, *mentions):
        report = make_report(make_article(org_a, path, published_at=when, feeds=feeds))
        for brand, sentiment in mentions:
            add_mention(report, brand, sentiment=sentiment, mentioned_at=when)

    story("/1", at(1), (wire,), (acme, 0.5), (globex, -0.5))
    story("/2", at(2), (wire, daily), (acme, 0.0))
    story("/3", at(5), (daily,), (acme, -0.3), (hostile, 0.2))
    story("/4", at(5), (wire,), (globex, 0.6))
    story("/old", datetime(2026, 1, 15, tzinfo=UTC), (wire,), (acme, 0.9))
    # Organization B has a brand, a group and a feed of its own.
    other = make_brand(org_b, "Umbrella")
    other_group = BrandGroup.objects.create(organization=org_b, name="Theirs")
    other.groups.add(other_group)
    report = make_report(make_article(org_b, "/b", published_at=at(3), feeds=(make_feed(org_b),)))
    add_mention(report, other, mentioned_at=at(3))
    return {
        "acme": acme,
        "globex": globex,
        "hostile": hostile,
        "initech": initech,
        "group": group,
        "other": other,
        "other_group": other_group,
    }


def doc(response):
    assert response.status_code == 200
    return html.fromstring(response.content.decode())


def table(page, key: str) -> list[list[str]]:
    """The data table behind a chart, header row first."""
    rows = page.xpath(f"//section[@id='chart-{key}']//table//tr")
    return [[" ".join(cell.text_content().split()) for cell in row.xpath("th|td")] for row in rows]


def chart(client, key: str, query: dict):
    response = client.get(URL, {**query, "chart": key}, **HTMX)
    return doc(response)


def test_the_page_compares_the_chosen_brands_day_by_day(client_for, alice, data):
    query = {**MARCH, "brand": [data["acme"].pk, data["globex"].pk]}

    page = doc(client_for(alice).get(URL, query))

    rows = table(page, "mentions")
    assert rows[0] == ["Day", "Acme Corp", "Globex"]
    assert len(rows) == 1 + 10  # ten days, both ends included
    assert rows[1] == ["1 Mar 2026", "1", "1"]
    assert rows[2] == ["2 Mar 2026", "1", "0"]
    assert rows[5] == ["5 Mar 2026", "1", "1"]
    svg = page.xpath("//section[@id='chart-mentions']//svg[@role='img']")[0]
    assert svg.get("aria-label") == (
        "Mentions per day, 1 Mar 2026 to 10 Mar 2026: Acme Corp 3 mentions, Globex 2 mentions"
    )
    tips = svg.xpath(".//*[@class='point']/title/text()")
    assert "Acme Corp, 5 Mar 2026: 1 mention" in tips and len(tips) == 20
    legend = [
        " ".join(li.text_content().split()) for li in page.xpath("//ul[@class='chart-legend']")[0]
    ]
    assert legend == ["Acme Corp 3 mentions", "Globex 2 mentions"]


def test_sentiment_and_share_of_voice_count_the_compared_brands_mentions(client_for, alice, data):
    query = {**MARCH, "brand": [data["acme"].pk, data["globex"].pk, data["hostile"].pk]}

    page = doc(client_for(alice).get(URL, query))

    sentiment = table(page, "sentiment")
    assert sentiment[0] == ["Day", "Positive", "Neutral", "Negative"]
    assert sentiment[1] == ["1 Mar 2026", "1", "0", "1"]
    assert sentiment[2] == ["2 Mar 2026", "0", "1", "0"]
    assert sentiment[5] == ["5 Mar 2026", "2", "0", "1"]
    share = table(page, "share")
    assert share[1:] == [
        ["Acme Corp", "3", "50.0 %"],
        ["Globex", "2", "33.3 %"],
        [HOSTILE, "1", "16.7 %"],
    ]


def test_without_chosen_brands_the_most_mentioned_tracked_ones_are_compared(
    client_for, alice, data
):
    client = client_for(alice)
    client.get(URL, MARCH)  # the session and the user, read on a first request
    with CaptureQueriesContext(connection) as captured:
        page = doc(client.get(URL, MARCH))

    assert table(page, "mentions")[0] == ["Day", "Acme Corp", "Globex", HOSTILE]
    assert "the most mentioned tracked brands" in page.text_content()
    # Their names come with the tracked brands the page lists: no second query for them.
    brand_queries = [q for q in captured.captured_queries if 'FROM "reports_brand"' in q["sql"]]
    assert len(brand_queries) == 1


def test_a_group_compares_its_brands_and_shows_their_share_of_voice(client_for, alice, data):
    client = client_for(alice)
    query = {**MARCH, "group": data["group"].pk}

    page = doc(client.get(URL, query))

    # Initech (in the group, not tracked) had no mention in the range.
    assert table(page, "mentions")[0] == ["Day", "Acme Corp", "Globex"]
    loader = page.xpath("//section[@id='chart-share']//a[@hx-get]")[0]
    assert "chart=share" in loader.get("hx-get") and loader.get("hx-trigger") == "load"
    # The chart's request names the brands the page chose, so it need not choose again.
    assert f"brand={data['acme'].pk}&brand={data['globex'].pk}" in loader.get("hx-get")
    share = chart(client, "share", query)
    assert share.xpath("//h2/text()") == ["Share of voice in “Competitors”"]
    assert table(share, "share")[1:] == [["Acme Corp", "3", "60.0 %"], ["Globex", "2", "40.0 %"]]


def test_top_sources_count_each_story_once_per_feed_that_carried_it(client_for, alice, data):
    sources = chart(client_for(alice), "sources", {**MARCH, "brand": data["acme"].pk})

    assert table(sources, "sources") == [["Feed", "Stories"], ["Daily", "2"], ["Wire", "2"]]
    bars = sources.xpath("//svg//rect[@class='bar']/title/text()")
    assert bars == ["Daily: 2 stories", "Wire: 2 stories"]


def test_top_sources_of_several_brands_sum_their_mentions_per_feed(client_for, alice, data):
    query = {**MARCH, "brand": [data["acme"].pk, data["globex"].pk]}
    sources = chart(client_for(alice), "sources", query)

    # Wire carried /1 (Acme and Globex), /2 (Acme) and /4 (Globex): 4 mentions in 3 stories.
    assert table(sources, "sources") == [["Feed", "Mentions"], ["Wire", "4"], ["Daily", "2"]]
    bars = sources.xpath("//svg//rect[@class='bar']/title/text()")
    assert bars == ["Wire: 4 mentions", "Daily: 2 mentions"]
    assert "counts twice" in sources.text_content()


def test_the_heat_table_counts_stories_shared_with_each_industry(client_for, alice, data):
    # A dismissed name beside Acme is no company: the heat table leaves it out.
    org, acme = data["acme"].organization, data["acme"]
    noise = make_brand(org, "Noise", status="ignored", industry=make_industry(org, "Automotive"))
    report = make_report(make_article(org, "/noise", published_at=at(6)))
    add_mention(report, acme, mentioned_at=at(6))
    add_mention(report, noise, mentioned_at=at(6))

    heat = chart(
        client_for(alice), "heat", {**MARCH, "brand": [data["acme"].pk, data["globex"].pk]}
    )

    assert table(heat, "heat") == [
        ["Brand", "Automotive", "Retail", "Unclassified"],
        ["Acme Corp", "0", "1", "1"],
        ["Globex", "1", "0", "0"],
    ]
    cells = heat.xpath("//td/@class")
    assert cells == [
        "num heat-0",
        "num heat-5",
        "num heat-5",
        "num heat-5",
        "num heat-0",
        "num heat-0",
    ]


def test_without_javascript_a_chart_link_returns_the_page_with_that_chart(client_for, alice, data):
    page = doc(client_for(alice).get(URL, {**MARCH, "brand": data["acme"].pk, "chart": "sources"}))

    assert page.xpath("//title")  # the whole page
    assert table(page, "sources")[1] == ["Daily", "2"]
    # The other deferred chart still waits for its own request.
    assert page.xpath("//section[@id='chart-heat']//a[@hx-get]")


@pytest.mark.parametrize(
    "dates, field, message",
    [
        ({}, "date_from", "The range is empty"),
        (
            {"date_from": "2016-01-01", "date_to": "2026-01-01"},
            "date_to",
            "charts cover at most 732 days",
        ),
        ({"date_from": "2026-03-10", "date_to": "2026-03-01"}, "date_to", "swap the two dates"),
        ({"date_from": "not a day", "date_to": "2026-03-01"}, "date_from", "Enter a valid date"),
    ],
)
def test_a_bad_range_is_said_beside_its_field_and_the_default_range_is_charted(
    client_for, alice, data, dates, field, message
):
    response = client_for(alice).get(URL, {"range": "custom", **dates})

    page = doc(response)
    errors = page.xpath(f"//div[contains(@class, 'field-{field}')]//p[@class='field-error']")
    assert errors and message in errors[0].text_content()
    # What was chosen is kept, and the charts show the last 90 days meanwhile.
    assert page.xpath("//select[@name='range']/option[@selected]/@value") == ["custom"]
    default = resolve_range(preset="90d", time_zone="UTC").describe()
    assert default in page.xpath("//p[@class='analytics-summary']")[0].text_content()


def test_a_filter_matching_nothing_says_so(client_for, alice, data):
    empty = BrandGroup.objects.create(organization=data["acme"].organization, name="Nobody")

    page = doc(client_for(alice).get(URL, {**MARCH, "group": empty.pk}))

    assert "No brand of “Nobody” was mentioned in this range." in page.text_content()
    assert not page.xpath("//section[@id='chart-mentions']")


def test_more_than_ten_brands_compares_the_first_ten_and_says_why(client_for, alice, data):
    org = data["acme"].organization
    many = [make_brand(org, f"Brand {n:02}").pk for n in range(12)]

    page = doc(client_for(alice).get(URL, {**MARCH, "brand": many}))

    assert "Compare at most 10 brands at once (you chose 12)" in page.text_content()
    assert table(page, "mentions")[0][1:] == [f"Brand {n:02}" for n in range(10)]


def test_another_organizations_brands_and_groups_are_ignored(client_for, alice, data):
    client = client_for(alice)
    query = {**MARCH, "brand": [data["other"].pk, data["acme"].pk], "group": data["other_group"].pk}

    page = doc(client.get(URL, query))

    assert table(page, "mentions")[0] == ["Day", "Acme Corp"]
    assert "Umbrella" not in page.text_content() and "Theirs" not in page.text_content()
    assert page.xpath("//div[contains(@class, 'field-group')]//p[@class='field-error']")
    heat = chart(client, "heat", {**MARCH, "brand": data["other"].pk})
    assert "Umbrella" not in heat.text_content()


def test_charlie_sees_only_his_organizations_mentions(client_for, charlie, data):
    page = doc(client_for(charlie).get(URL, MARCH))

    assert table(page, "mentions")[0] == ["Day", "Umbrella"]
    assert table(page, "mentions")[3] == ["3 Mar 2026", "1"]
    assert "Acme" not in page.text_content()


def test_markup_in_a_brand_name_is_escaped_in_every_chart(client_for, alice, data):
    client = client_for(alice)
    query = {**MARCH, "brand": [data["hostile"].pk, data["acme"].pk]}

    bodies = [client.get(URL, query).content.decode()] + [
        client.get(URL, {**query, "chart": key}, **HTMX).content.decode()
        for key in ("sources", "heat")
    ]

    for body in bodies:
        assert "<script>alert(1)" not in body and '" onmouseover="x' not in body
    assert bodies[0].count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5  # svg, legend, tables
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in bodies[2]


def test_days_are_the_organizations_days(client_for, alice, data, org_a):
    org_a.time_zone = "Asia/Tokyo"
    org_a.save(update_fields=["time_zone"])
    late = make_report(make_article(org_a, "/late", published_at=at(6, hour=20)))
    add_mention(late, data["globex"], mentioned_at=at(6, hour=20))  # 7 Mar, 05:00 in Tokyo

    rows = table(doc(client_for(alice).get(URL, {**MARCH, "brand": data["globex"].pk})), "mentions")

    assert rows[6] == ["6 Mar 2026", "0"] and rows[7] == ["7 Mar 2026", "1"]


def test_a_long_range_is_drawn_week_by_week(client_for, alice, data):
    query = {"range": "custom", "date_from": "2025-03-11", "date_to": "2026-03-10"}

    page = doc(client_for(alice).get(URL, {**query, "brand": data["acme"].pk}))

    rows = table(page, "mentions")
    assert rows[0] == ["Week", "Acme Corp"] and len(rows) == 1 + 53
    assert rows[-1] == ["10 Mar to 10 Mar 2026", "0"]
    assert rows[-2] == ["3 Mar to 9 Mar 2026", "1"]
    assert rows[-3] == ["24 Feb to 2 Mar 2026", "2"]
    assert "one point per week" in page.text_content()


def test_the_navigation_leads_to_analytics(client_for, alice, data):
    page = doc(client_for(alice).get(URL))

    current = page.xpath("//nav[@aria-label='Main']//a[@aria-current='page']")
    assert [a.text_content() for a in current] == ["Analytics"]


def test_share_of_voice_asked_for_without_a_group_shares_among_the_brands(client_for, alice, data):
    share = chart(
        client_for(alice), "share", {**MARCH, "brand": [data["acme"].pk, data["globex"].pk]}
    )

    assert table(share, "share")[1:] == [["Acme Corp", "3", "60.0 %"], ["Globex", "2", "40.0 %"]]
