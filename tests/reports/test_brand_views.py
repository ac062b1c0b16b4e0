"""The brands list and the brand page: counts, trends, aliases, edits, merge, isolation."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import html

from reports.models import (
    Brand,
    BrandAlias,
    BrandSeparation,
    BrandStatus,
    FeedbackAction,
    FeedbackEvent,
    Mention,
)
from tests.reports.page_data import (
    add_mention,
    make_article,
    make_brand,
    make_industry,
    make_report,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("brands:list")
HTMX = {"HTTP_HX_REQUEST": "true"}


def doc(response):
    return html.fromstring(response.content.decode())


def fragment(response):
    return html.fragment_fromstring(response.content.decode(), create_parent="div")


def names(response) -> list[str]:
    return [a.text_content() for a in doc(response).xpath("//tbody/tr/td[1]/a")]


def mentioned(report_path: str, brand: Brand, days_ago: int) -> Mention:
    when = timezone.now() - timedelta(days=days_ago)
    report = make_report(make_article(brand.organization, report_path, published_at=when))
    return add_mention(report, brand, mentioned_at=when)


@pytest.fixture
def brands(org_a, org_b):
    cars = make_industry(org_a, "Automotive")
    acme = make_brand(org_a, "Acme Corp", industry=cars)
    globex = make_brand(org_a, "Globex", status=BrandStatus.UNREVIEWED)
    make_brand(org_a, "Initech", status=BrandStatus.IGNORED)
    for n, days_ago in enumerate((0, 2, 10, 20, 40)):
        mentioned(f"/a{n}", acme, days_ago)
    mentioned("/g", globex, 1)
    BrandAlias.objects.create(organization=org_a, brand=acme, alias="ACME", normalized="acme")
    BrandAlias.objects.create(organization=org_a, brand=acme, alias="Acme Co", normalized="acme co")
    make_brand(org_b, "Acme Corp")
    return {"acme": acme, "globex": globex, "cars": cars}


def test_the_list_shows_the_brands_with_counts_and_trends(client_for, alice, brands):
    response = client_for(alice).get(LIST_URL)

    assert names(response) == ["Acme Corp", "Globex", "Initech"]
    row = doc(response).xpath("//tr[td/a/strong[text()='Acme Corp']]")[0]
    cells = [" ".join(td.text_content().split()) for td in row.xpath("td")]
    assert cells[1:5] == ["Automotive", "tracked", "2", "4"]
    [svg] = row.xpath(".//svg")
    assert svg.get("aria-label") == "4 mentions in 30 days"


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"q": "glob"}, ["Globex"]),
        ({"q": "acme co"}, ["Acme Corp"]),  # An alias.
        ({"status": "ignored"}, ["Initech"]),
        ({"industry": "cars"}, ["Acme Corp"]),
        ({"status": "bogus"}, ["Acme Corp", "Globex", "Initech"]),
        ({"industry": "abc"}, ["Acme Corp", "Globex", "Initech"]),
    ],
)
def test_the_filters_narrow_the_list(client_for, alice, brands, query, expected):
    if query.get("industry") == "cars":
        query = {"industry": brands["cars"].pk}

    response = client_for(alice).get(LIST_URL, query)

    assert response.status_code == 200
    assert names(response) == expected
    if query.get("status") == "bogus" or query.get("industry") == "abc":
        assert doc(response).xpath("//p[@class='field-error']")


def test_an_alias_search_does_not_inflate_the_counts(client_for, alice, brands):
    # "acme" matches the name and both aliases: a join would count each mention three times.
    response = client_for(alice).get(LIST_URL, {"q": "acme"})

    row = doc(response).xpath("//tbody/tr")[0]
    assert [td.text_content() for td in row.xpath("td[@class='num']")] == ["2", "4"]


def test_the_list_draws_all_trends_in_one_query(
    client_for, alice, org_a, django_assert_max_num_queries
):
    for n in range(30):
        mentioned(f"/m{n}", make_brand(org_a, f"Brand {n:02}"), n % 5)
    client = client_for(alice)
    client.get(LIST_URL)

    # Session, user, memberships, the alert bell's unread count, industries and groups,
    # brands to review, count, brands, daily mentions, the footer's knowledge-base version.
    with django_assert_max_num_queries(10):
        response = client.get(LIST_URL)

    assert len(doc(response).xpath("//tbody//svg")) == 30


def test_the_brand_page_shows_chart_aliases_reports_and_history(client_for, alice, brands):
    acme = brands["acme"]
    client = client_for(alice)
    client.post(reverse("brands:alias_add", args=[acme.pk]), {"alias": "Acme Industries"})

    response = client.get(reverse("brands:detail", args=[acme.pk]))

    page = doc(response)
    [chart] = page.xpath("//div[@class='chart']/svg")
    assert len(chart.xpath(".//rect[@class='bar']")) == 90
    assert chart.get("aria-label") == "Mentions of Acme Corp: 5 mentions in 90 days"
    assert [li.text.strip() for li in page.xpath("//section[@id='aliases']//li")] == [
        "ACME",
        "Acme Co",
        "Acme Industries",
    ]
    assert len(page.xpath("//table[contains(@class, 'recent-table')]/tbody/tr")) == 5
    history = " ".join(page.xpath("//table[contains(@class, 'history-table')]")[0].itertext())
    assert "Alice" in history and "Added an alias" in history and "“Acme Industries”" in history
    # The contacts app fills the section in (hx-get on load); the link works without JS.
    [contacts] = page.xpath("//section[@id='contacts']")
    url = reverse("contacts:brand_contacts", args=[acme.pk])
    assert contacts.get("hx-get") == url and contacts.xpath(".//a/@href") == [url]


def test_a_brand_name_with_markup_is_shown_escaped(client_for, alice, org_a):
    brand = make_brand(org_a, '<script>alert(1)</script><img src=x onerror="alert(2)">')
    mentioned("/x", brand, 1)
    client = client_for(alice)

    for page in (LIST_URL, reverse("brands:detail", args=[brand.pk])):
        body = client.get(page).content.decode()
        assert "<script>alert" not in body and "<img src=x" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


@pytest.mark.parametrize(
    "name, method",
    [
        ("detail", "get"),
        ("edit", "get"),
        ("edit", "post"),
        ("merge", "post"),
        ("separate", "post"),
        ("alias_add", "post"),
    ],
)
def test_another_organizations_brand_is_a_404(client_for, charlie, brands, name, method):
    acme = brands["acme"]
    client = client_for(charlie)

    response = getattr(client, method)(
        reverse(f"brands:{name}", args=[acme.pk]),
        {"name": "Stolen", "status": "ignored", "alias": "Stolen", "other": acme.pk},
    )

    assert response.status_code == 404
    acme.refresh_from_db()
    assert (acme.name, acme.status, acme.merged_into) == ("Acme Corp", "tracked", None)
    assert not FeedbackEvent.objects.exists()


def test_removing_another_organizations_alias_is_a_404(client_for, charlie, brands):
    alias = BrandAlias.objects.get(alias="ACME")

    response = client_for(charlie).post(
        reverse("brands:alias_remove", args=[brands["acme"].pk, alias.pk])
    )

    assert response.status_code == 404
    assert BrandAlias.objects.filter(pk=alias.pk).exists()


def test_editing_in_the_drawer_saves_through_the_service(client_for, alice, brands):
    acme, cars = brands["acme"], brands["cars"]
    client = client_for(alice)
    edit = reverse("brands:edit", args=[acme.pk])

    drawer = fragment(client.get(edit, **HTMX))
    assert drawer.xpath("//input[@name='name']/@value") == ["Acme Corp"]
    response = client.post(
        edit,
        {"name": "Acme Group", "status": "ignored", "industry": cars.pk, "website": "acme.example"},
        **HTMX,
    )

    assert response["HX-Redirect"] == reverse("brands:detail", args=[acme.pk])
    acme.refresh_from_db()
    assert (acme.name, acme.status, acme.website) == (
        "Acme Group",
        "ignored",
        "https://acme.example",
    )
    assert acme.industry == cars
    assert FeedbackEvent.objects.get().action == FeedbackAction.EDIT


def test_renaming_keeps_the_old_name_as_an_alias(client_for, alice, org_a):
    brand = make_brand(org_a, "Initrode")

    client_for(alice).post(
        reverse("brands:edit", args=[brand.pk]), {"name": "Initrode Global", "status": "tracked"}
    )

    brand.refresh_from_db()
    assert brand.name == "Initrode Global"
    assert list(brand.aliases.values_list("alias", flat=True)) == ["Initrode"]


def test_an_edit_that_clashes_shows_the_error_in_the_drawer(client_for, alice, brands):
    response = client_for(alice).post(
        reverse("brands:edit", args=[brands["acme"].pk]),
        {"name": "Globex", "status": "tracked", "website": "not a url at all"},
        **HTMX,
    )

    errors = fragment(response).xpath("//p[@class='field-error']/text()")
    assert errors == ["Enter a valid URL."]
    response = client_for(alice).post(
        reverse("brands:edit", args=[brands["acme"].pk]),
        {"name": "Globex", "status": "tracked"},
        **HTMX,
    )
    assert fragment(response).xpath("//p[@class='field-error']/text()") == [
        "Another brand is already called Globex."
    ]


def test_aliases_are_added_and_removed_inline(client_for, alice, brands):
    acme = brands["acme"]
    client = client_for(alice)

    added = fragment(
        client.post(reverse("brands:alias_add", args=[acme.pk]), {"alias": "Acme Labs"}, **HTMX)
    )
    assert "Acme Labs" in added.xpath("//section[@id='aliases']")[0].text_content()
    assert "is now an alias" in added.xpath("//div[@id='toasts']")[0].text_content()
    clash = fragment(
        client.post(reverse("brands:alias_add", args=[acme.pk]), {"alias": "globex"}, **HTMX)
    )
    assert clash.xpath("//p[@class='field-error']/text()") == [
        "That is the name of another brand (Globex)."
    ]
    alias = BrandAlias.objects.get(alias="Acme Labs")
    removed = fragment(
        client.post(reverse("brands:alias_remove", args=[acme.pk, alias.pk]), **HTMX)
    )
    assert "Acme Labs" not in removed.xpath("//section[@id='aliases']")[0].text_content()
    assert not BrandAlias.objects.filter(pk=alias.pk).exists()


def test_merging_shows_what_moves_then_moves_it(client_for, alice, brands):
    acme, globex = brands["acme"], brands["globex"]
    client = client_for(alice)
    merge = reverse("brands:merge", args=[acme.pk])

    drawer = " ".join(fragment(client.get(merge, **HTMX)).text_content().split())
    assert "5 mentions" in drawer and "2 aliases" in drawer
    response = client.post(merge, {"other": globex.pk}, **HTMX)

    assert response["HX-Redirect"] == reverse("brands:detail", args=[globex.pk])
    acme.refresh_from_db()
    assert acme.merged_into == globex
    assert Mention.objects.filter(brand=globex).count() == 6
    page = client.get(reverse("brands:detail", args=[acme.pk])).content.decode()
    assert "This brand was merged into" in page


def test_merging_into_another_organizations_brand_is_refused(client_for, alice, brands, org_b):
    theirs = Brand.objects.get(organization=org_b)

    response = client_for(alice).post(
        reverse("brands:merge", args=[brands["acme"].pk]), {"other": theirs.pk}, **HTMX
    )

    assert fragment(response).xpath("//p[@class='field-error']")
    brands["acme"].refresh_from_db()
    assert brands["acme"].merged_into is None
    assert Mention.objects.filter(brand=theirs).count() == 0


def test_keeping_two_brands_apart_is_recorded_both_ways(client_for, alice, brands):
    acme, globex = brands["acme"], brands["globex"]
    client = client_for(alice)

    client.post(reverse("brands:separate", args=[acme.pk]), {"other": globex.pk})

    assert set(BrandSeparation.objects.values_list("brand", "other")) == {
        (acme.pk, globex.pk),
        (globex.pk, acme.pk),
    }
    page = doc(client.get(reverse("brands:detail", args=[acme.pk])))
    assert page.xpath("//section[h2[@id='apart-title']]//a/text()") == ["Globex"]


@pytest.mark.parametrize(
    "url, current",
    [("reports:list", "Reports"), ("brands:list", "Brands")],
)
def test_the_navigation_highlights_the_section(client_for, alice, url, current):
    response = client_for(alice).get(reverse(url))

    nav = doc(response).xpath("//nav[@aria-label='Main']")[0]
    assert nav.xpath(".//a[@aria-current='page']/text()") == [current]
    assert {"Reports", "Brands"} <= set(nav.xpath(".//a/text()"))


def test_the_dashboard_figure_of_mentions_to_review_stops_counting_at_the_cap(
    client_for, alice, brands, org_a, monkeypatch
):
    # A full count cost ~40 ms of PostgreSQL per dashboard view at 100k reports.
    monkeypatch.setattr("accounts.selectors.REVIEW_COUNT_CAP", 5)

    page = doc(client_for(alice).get(reverse("dashboard")))

    cards = [
        " ".join(card.text_content().split()) for card in page.xpath("//div[@class='figure-card']")
    ]
    assert "Mentions to review 5+" in cards


def test_the_dashboard_shows_the_report_figures(client_for, alice, brands, org_a):
    from accounts.models import UsageDaily

    org_a.llm_monthly_token_quota = 10_000
    org_a.save(update_fields=["llm_monthly_token_quota"])
    UsageDaily.objects.create(
        organization=org_a, date=timezone.now().date(), tokens_in=2000, tokens_out=500, cost=1.5
    )

    page = doc(client_for(alice).get(reverse("dashboard")))

    figures = {
        " ".join(card.xpath(".//p[@class='figure-label']")[0].text_content().split()): " ".join(
            card.text_content().split()
        )
        for card in page.xpath("//div[@class='figure-card']")
    }
    # The week's reports moved into the briefing, counted by publication date
    # (tests/accounts/test_dashboard_views.py).
    assert "Reports (7 days)" not in figures
    assert figures["Brands tracked"] == "Brands tracked 1"
    assert figures["Mentions to review"] == "Mentions to review 6"
    assert figures["LLM tokens this month"] == (
        "LLM tokens this month 2,500 of 10,000 (25 % of the quota) · $1.50 this month"
    )


def test_the_brand_page_charts_sentiment_and_sources_with_their_numbers(client_for, alice, brands):
    page = doc(client_for(alice).get(reverse("brands:detail", args=[brands["acme"].pk])))

    sentiment = page.xpath("//section[@id='chart-sentiment']")[0]
    assert sentiment.xpath(".//svg[@role='img']/@aria-label") == [
        "Sentiment of the mentions per day: 0 mentions positive, 5 mentions neutral, "
        "0 mentions negative"
    ]
    rows = sentiment.xpath(".//details//tbody/tr")
    assert len(rows) == 90
    assert sum(int(row.xpath("td")[1].text_content()) for row in rows) == 5
    sources = page.xpath("//section[@id='chart-sources']//tbody/tr")
    assert [" ".join(row.text_content().split()) for row in sources] == ["Nothing in this range."]
    mentions = page.xpath("//section[@aria-labelledby='chart-title']//details//tbody/tr")
    assert len(mentions) == 90
    link = page.xpath("//main//a[starts-with(@href, '/analytics/')]/@href")
    assert link == [f"/analytics/?brand={brands['acme'].pk}"]
