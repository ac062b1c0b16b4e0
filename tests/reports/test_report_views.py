"""The reports list (filters, search, sorting, pages, query budget) and the report page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from lxml import html

from accounts.models import UsageDaily
from reports.models import Brand, Mention, ReviewStatus
from reports.views.highlight import highlight
from tests.reports.page_data import (
    add_mention,
    make_article,
    make_brand,
    make_feed,
    make_industry,
    make_report,
)

pytestmark = pytest.mark.django_db

LIST_URL = reverse("reports:list")
XSS_TITLE = "<script>alert(1)</script> Acme wins"
XSS_TEXT = "Acme Corp results.\n\n<img src=x onerror=alert(1)> More text about Acme Corp."


def doc(response):
    return html.fromstring(response.content.decode())


def titles(response) -> list[str]:
    return [a.text_content() for a in doc(response).xpath("//tbody/tr/td[1]/a")]


@pytest.fixture
def catalogue(org_a, org_b):
    now = timezone.now()
    wire, blog = make_feed(org_a, "Wire"), make_feed(org_a, "Blog")
    cars = make_industry(org_a, "Automotive")
    acme = make_brand(org_a, "Acme Corp", industry=cars)
    globex = make_brand(org_a, "Globex")
    one = make_report(
        make_article(org_a, "/1", title="Acme opens a plant", feeds=(wire,)),
        sentiment_label="positive",
        sentiment_score=0.6,
        analysed_at=now - timedelta(days=1),
    )
    add_mention(one, acme, confidence=0.95, review_status=ReviewStatus.CONFIRMED)
    two = make_report(
        make_article(
            org_a,
            "/2",
            title="Globex supplies parts",
            feeds=(blog,),
            text="Globex supplies parts to carmakers. Zeppelin engines were mentioned.",
        ),
        sentiment_label="negative",
        sentiment_score=-0.4,
        analysed_at=now - timedelta(days=5),
        extractor="llm",
        model="gpt-4o-mini",
        tokens_in=1200,
        tokens_out=300,
        cost_estimate=Decimal("0.00036"),
        cached=True,
    )
    add_mention(two, globex, confidence=0.55)
    make_report(
        make_article(org_a, "/3", title="A quiet day", text="Nothing happened at all."),
        analysed_at=now - timedelta(days=20),
    )
    theirs = make_brand(org_b, "Acme Corp")
    add_mention(
        make_report(make_article(org_b, "/1", title="Acme in B only")),
        theirs,
    )
    return {"wire": wire, "blog": blog, "acme": acme, "globex": globex, "cars": cars}


def test_the_list_shows_only_the_organizations_reports(client_for, alice, catalogue):
    response = client_for(alice).get(LIST_URL)

    assert titles(response) == ["Acme opens a plant", "Globex supplies parts", "A quiet day"]
    assert "3 reports" in response.content.decode()
    assert doc(response).xpath("//a[@class='chip is-confirmed']/text()") == ["Acme Corp "]


def test_a_row_shows_source_brands_extractor_cost_and_a_contacts_link(client_for, alice, catalogue):
    response = client_for(alice).get(LIST_URL)

    row = doc(response).xpath("//tr[td/a[text()='Globex supplies parts']]")[0]
    text = " ".join(row.text_content().split())
    assert "Blog · news.example/2" in text
    assert "negative" in text
    assert "Globex 0.55" in text
    assert "llm cached" in text
    assert "1500 tokens · $0.0004" in text
    [contacts] = row.xpath(".//*[@data-contacts-for]")
    report = catalogue["globex"].mentions.get().report
    assert contacts.get("href") == reverse("contacts:report_contacts", args=[report.pk])
    assert contacts.get("hx-get") == contacts.get("href")  # Opens in the drawer.
    quiet = doc(response).xpath("//tr[td/a[text()='A quiet day']]")[0]
    assert quiet.xpath(".//span[@data-contacts-for]")  # A placeholder, not a dead link.


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"feed": "wire"}, ["Acme opens a plant"]),
        ({"brand": "globex"}, ["Globex supplies parts"]),
        ({"industry": "cars"}, ["Acme opens a plant"]),
        ({"sentiment": "negative"}, ["Globex supplies parts"]),
        ({"min_confidence": "0.9"}, ["Acme opens a plant"]),
        ({"review": "unreviewed"}, ["Globex supplies parts"]),
        ({"review": "confirmed"}, ["Acme opens a plant"]),
        ({"date_from": "days_ago_3"}, ["Acme opens a plant"]),
        ({"date_to": "days_ago_3"}, ["Globex supplies parts", "A quiet day"]),
        ({"q": "zeppelin"}, ["Globex supplies parts"]),
        ({"q": "plant Lyon"}, ["Acme opens a plant"]),
        ({"q": "nothing like this"}, []),
    ],
)
def test_the_filters_narrow_the_list(client_for, alice, catalogue, query, expected):
    values = {}
    for key, value in query.items():
        if value in catalogue:
            value = catalogue[value].pk
        elif str(value).startswith("days_ago_"):
            value = (timezone.now() - timedelta(days=int(value[9:]))).date().isoformat()
        values[key] = value

    response = client_for(alice).get(LIST_URL, values)

    assert titles(response) == expected
    if not expected:
        assert "Nothing matches these filters." in response.content.decode()


@pytest.mark.parametrize(
    "sort, expected",
    [
        ("oldest", ["A quiet day", "Globex supplies parts", "Acme opens a plant"]),
        ("positive", ["Acme opens a plant", "A quiet day", "Globex supplies parts"]),
        ("negative", ["Globex supplies parts", "A quiet day", "Acme opens a plant"]),
    ],
)
def test_the_list_sorts(client_for, alice, catalogue, sort, expected):
    assert titles(client_for(alice).get(LIST_URL, {"sort": sort})) == expected


@pytest.mark.parametrize(
    "query, field",
    [
        ({"brand": "abc"}, "brand"),
        ({"min_confidence": "abc"}, "min_confidence"),
        ({"min_confidence": "5"}, "min_confidence"),
        ({"date_from": "yesterday"}, "date_from"),
        ({"size": "1000"}, "size"),
        ({"sort": "DROP TABLE"}, "sort"),
    ],
)
def test_a_bad_filter_value_is_shown_as_an_error_and_left_out(
    client_for, alice, catalogue, query, field
):
    response = client_for(alice).get(LIST_URL, {**query, "sentiment": "positive"})

    assert response.status_code == 200
    # The other filters still apply.
    assert titles(response) == ["Acme opens a plant"]
    errors = doc(response).xpath(
        f"//div[contains(@class, 'field-{field}')]//p[@class='field-error']"
    )
    assert errors and "left out" in errors[0].text_content()


def test_another_organizations_brand_is_not_a_filter(client_for, alice, catalogue, org_b):
    theirs = Brand.objects.get(organization=org_b)

    response = client_for(alice).get(LIST_URL, {"brand": theirs.pk})

    assert titles(response) == ["Acme opens a plant", "Globex supplies parts", "A quiet day"]
    assert doc(response).xpath("//div[contains(@class, 'field-brand')]//p[@class='field-error']")
    options = doc(response).xpath("//select[@name='brand']/option/text()")
    assert options == ["All brands", "Acme Corp", "Globex"]


def test_an_unreviewed_brand_chosen_by_link_is_a_filter_choice(client_for, alice, org_a):
    newcomer = make_brand(org_a, "Newcomer", status="unreviewed")
    add_mention(make_report(make_article(org_a, "/n", title="New one", text="Newcomer.")), newcomer)

    response = client_for(alice).get(LIST_URL, {"brand": newcomer.pk})

    assert titles(response) == ["New one"]
    assert doc(response).xpath("//select[@name='brand']/option[@selected]/text()") == ["Newcomer"]


def test_page_size_and_pages_keep_the_filters(client_for, alice, org_a):
    now = timezone.now()
    for n in range(60):
        make_report(
            make_article(org_a, f"/s{n}", title=f"Story {n:02}"),
            analysed_at=now - timedelta(minutes=n),
            sentiment_label="positive",
        )
    client = client_for(alice)

    first = client.get(LIST_URL, {"sentiment": "positive", "size": "50"})
    assert len(titles(first)) == 50 and titles(first)[0] == "Story 00"
    [older] = doc(first).xpath("//a[@rel='next']")
    assert older.get("href") == "?sentiment=positive&size=50&page=2"
    second = client.get(LIST_URL + older.get("href"))
    assert titles(second) == [f"Story {n}" for n in range(50, 60)]
    assert len(titles(client.get(LIST_URL, {"size": "25"}))) == 25


def test_a_filtered_list_counts_up_to_a_cap(client_for, alice, org_a, monkeypatch):
    monkeypatch.setattr("reports.views.reports.COUNT_CAP", 30)
    for n in range(60):
        make_report(make_article(org_a, f"/c{n}", title=f"Story {n}"), sentiment_label="positive")
    client = client_for(alice)

    everything = " ".join(doc(client.get(LIST_URL)).text_content().split())
    first = " ".join(doc(client.get(LIST_URL, {"sentiment": "positive"})).text_content().split())
    last = client.get(LIST_URL, {"sentiment": "positive", "page": 2})

    assert "60 reports" in everything and "Page 1 of 3" in everything  # No filter: exact.
    assert "30+ reports" in first and "Page 1 of 2+" in first
    assert len(titles(last)) == 6  # Up to the 31st report, then the note.
    assert "These are the first 30 matches: narrow the filters" in last.content.decode()


@pytest.mark.parametrize("size", [25, 100])
def test_the_list_costs_the_same_few_queries_whatever_the_page_size(
    client_for, alice, org_a, django_assert_max_num_queries, size
):
    org_a.llm_monthly_token_quota = 10_000  # The banner's usage query counts too.
    org_a.save(update_fields=["llm_monthly_token_quota"])
    feed = make_feed(org_a)
    brands = [make_brand(org_a, name) for name in ("Acme Corp", "Globex", "Initech")]
    for n in range(120):
        report = make_report(make_article(org_a, f"/q{n}", title=f"Story {n}", feeds=(feed,)))
        for brand in brands:
            add_mention(report, brand)
    assert Mention.objects.count() == 360
    client = client_for(alice)
    client.get(LIST_URL)  # The first request stores the organization in the session.

    with django_assert_max_num_queries(10):
        response = client.get(LIST_URL, {"size": size, "q": "plant", "min_confidence": "0.5"})

    assert len(titles(response)) == size
    assert len(doc(response).xpath("//tbody//a[contains(@class, 'chip')]")) == 3 * size


def test_a_bigger_page_costs_no_more_queries(client_for, alice, org_a):
    brands = [make_brand(org_a, name) for name in ("Acme Corp", "Globex")]
    for n in range(60):
        report = make_report(make_article(org_a, f"/p{n}", feeds=(make_feed(org_a, f"F{n}"),)))
        for brand in brands:
            add_mention(report, brand)
    client = client_for(alice)
    client.get(LIST_URL)
    counts = []
    for size in (25, 50):
        with CaptureQueriesContext(connection) as queries:
            client.get(LIST_URL, {"size": size, "brand": brands[0].pk})
        counts.append(len(queries))

    assert counts[0] == counts[1] <= 10


def test_the_quota_banner_shows_when_the_llm_quota_is_used_up(client_for, alice, org_a):
    client = client_for(alice)
    assert "LLM analysis is paused" not in client.get(LIST_URL).content.decode()
    org_a.llm_monthly_token_quota = 1000
    org_a.save(update_fields=["llm_monthly_token_quota"])
    UsageDaily.objects.create(
        organization=org_a, date=timezone.now().date(), tokens_in=900, tokens_out=100
    )

    banner = doc(client.get(LIST_URL)).xpath("//div[contains(@class, 'banner')]")[0]

    today = timezone.now().date()
    first = (today.replace(day=28) + timedelta(days=4)).replace(day=1)
    assert " ".join(banner.text_content().split()).startswith(
        f"LLM analysis is paused until {first.day} {first:%B %Y}: articles are analysed by "
        "rules and queued for the LLM."
    )


def test_titles_and_texts_with_markup_are_shown_escaped(client_for, alice, org_a):
    brand = make_brand(org_a, "Acme Corp")
    report = make_report(make_article(org_a, "/x", title=XSS_TITLE, text=XSS_TEXT))
    add_mention(report, brand)
    client = client_for(alice)

    for url in (LIST_URL, reverse("reports:detail", args=[report.pk])):
        body = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Acme wins" in body
    detail = client.get(reverse("reports:detail", args=[report.pk])).content.decode()
    assert "<img src=x" not in detail
    assert "&lt;img src=x onerror=alert(1)&gt;" in detail
    assert not doc(client.get(url)).xpath("//img")


def test_the_report_page_shows_the_analysis_and_the_copies(client_for, alice, org_a):
    original = make_article(org_a, "/orig", title="Acme opens a plant")
    make_article(org_a, "/copy", title="Acme opens a plant", duplicate_of=original)
    report = make_report(
        original,
        summary="Acme builds a plant.",
        topic="Manufacturing",
        extractor="rules",
        status="fallback",
        error="The model server answered 503. Analysed by rules instead.",
        llm_pending=True,
    )

    response = client_for(alice).get(reverse("reports:detail", args=[report.pk]))

    text = " ".join(doc(response).text_content().split())
    assert "Acme builds a plant." in text and "Manufacturing" in text
    assert "Analysed by rules (LLM unavailable)" in text
    assert "The model server answered 503. Analysed by rules instead." in text
    assert "queued for the LLM" in text
    assert doc(response).xpath(
        "//dt[text()='Also published at']/following-sibling::dd[1]//a/@href"
    )[0] == ("https://news.example/copy")


def test_the_evidence_is_highlighted_in_the_text(client_for, alice, org_a):
    acme, globex = make_brand(org_a, "Acme Corp"), make_brand(org_a, "Globex")
    report = make_report(make_article(org_a, "/h"))
    first = add_mention(report, acme)
    second = add_mention(report, globex, review_status=ReviewStatus.REJECTED)

    response = client_for(alice).get(reverse("reports:detail", args=[report.pk]))

    marks = doc(response).xpath("//div[contains(@class, 'highlighted-text')]//mark")
    assert [m.text_content() for m in marks] == [
        "Acme Corp opened a new plant in Lyon on Monday.",
        "The plant will build parts for Globex.",
    ]
    assert marks[0].get("id") == f"evidence-{first.pk}"
    assert "is-rejected" in marks[1].get("class")
    row = doc(response).xpath(f"//tr[@id='mention-{second.pk}']")[0]
    assert "review-rejected" in row.get("class")


def test_overlapping_evidence_is_cut_into_flat_marks():
    class M:
        def __init__(self, pk, start, end, status="unreviewed"):
            self.pk, self.evidence_start, self.evidence_end = pk, start, end
            self.review_status = status

    text = "Alpha <b>beta</b> gamma\n\nsecond paragraph & more"
    spans = [M(1, 0, 16), M(2, 6, 23), M(3, 40, 99), M(4, 25, 31), M(5, 0, 6)]
    result = highlight(text, spans)

    assert result.unplaced == 1  # Offsets beyond the text are not placed.
    assert [str(p) for p in result.paragraphs] == [
        # Evidence shared by mentions 1 and 5: one mark, and an anchor of its own for 5.
        '<span class="evidence-anchor" id="evidence-5"></span>'
        '<mark class="evidence is-overlap" data-mentions="1 5" id="evidence-1">Alpha </mark>'
        '<mark class="evidence is-overlap" data-mentions="1 2" id="evidence-2">'
        "&lt;b&gt;beta&lt;/b</mark>"
        '<mark class="evidence" data-mentions="2">&gt; gamma</mark>',
        '<mark class="evidence" data-mentions="4" id="evidence-4">second</mark>'
        " paragraph &amp; more",
    ]


def test_another_organizations_report_is_a_404(client_for, charlie, catalogue):
    report = catalogue["acme"].mentions.get().report

    assert client_for(charlie).get(reverse("reports:detail", args=[report.pk])).status_code == 404


def test_a_brands_own_url_is_its_brand_page(client_for, alice, catalogue):
    brand = catalogue["acme"]

    response = client_for(alice).get(brand.get_absolute_url())

    assert brand.get_absolute_url() == reverse("brands:detail", args=[brand.pk])
    assert response.status_code == 200


def test_the_dashboard_shows_the_llm_pause_banner_when_the_quota_is_used_up(
    client_for, alice, org_a
):
    from django.utils import timezone

    from accounts.models import UsageDaily

    org_a.llm_monthly_token_quota = 100
    org_a.save()
    UsageDaily.objects.create(organization=org_a, date=timezone.now().date(), tokens_in=150)

    body = client_for(alice).get("/").content.decode()

    assert "LLM analysis is paused until" in body


def test_the_dashboard_has_no_pause_banner_without_a_quota(client_for, alice):
    assert "LLM analysis is paused" not in client_for(alice).get("/").content.decode()
