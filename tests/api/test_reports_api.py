"""Reports and mentions through the API: the list page's filters, cursor pages, details."""

from datetime import timedelta

import pytest
from django.utils import timezone

from reports.models import ReportStatus, ReviewStatus
from tests.reports.page_data import add_mention, make_article, make_brand, make_feed, make_report


@pytest.fixture
def reports_a(org_a):
    feed = make_feed(org_a, "Wire")
    acme = make_brand(org_a, "Acme Corp")
    globex = make_brand(org_a, "Globex")
    now = timezone.now()
    reports = []
    for number in range(7):
        article = make_article(org_a, f"/{number}", feeds=(feed,) if number % 2 == 0 else ())
        report = make_report(
            article,
            analysed_at=now - timedelta(hours=number),
            sentiment_label="positive" if number < 3 else "neutral",
            sentiment_score=0.1 * number,
        )
        add_mention(report, acme, confidence=0.5 + 0.05 * number)
        if number == 4:
            add_mention(
                report, globex, "Globex", confidence=0.6, review_status=ReviewStatus.CONFIRMED
            )
        reports.append(report)
    excluded = make_report(make_article(org_a, "/excluded"), status=ReportStatus.EXCLUDED)
    return {"reports": reports, "feed": feed, "acme": acme, "globex": globex, "excluded": excluded}


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_it_lists_the_organizations_reports_newest_first_without_excluded_ones(
    alice_api, reports_a
):
    ids = _ids(alice_api.get("/api/reports"))
    assert ids == [report.pk for report in reports_a["reports"]]


def test_it_pages_through_every_report_once_with_cursors(alice_api, reports_a):
    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        response = alice_api.get("/api/reports", params)
        seen += _ids(response)
        pages += 1
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == [report.pk for report in reports_a["reports"]]


def test_cursors_follow_each_sort(alice_api, reports_a):
    first = alice_api.get("/api/reports", {"limit": 4, "sort": "negative"})
    rest = alice_api.get(
        "/api/reports", {"limit": 4, "sort": "negative", "cursor": first.json()["next_cursor"]}
    )
    by_score = sorted(reports_a["reports"], key=lambda r: (r.sentiment_score, -r.pk))
    assert _ids(first) + _ids(rest) == [report.pk for report in by_score]


def test_a_cursor_of_another_sort_or_a_forged_one_is_a_400(alice_api, reports_a):
    cursor = alice_api.get("/api/reports", {"limit": 2}).json()["next_cursor"]
    other_sort = alice_api.get("/api/reports", {"sort": "oldest", "cursor": cursor})
    forged = alice_api.get("/api/reports", {"cursor": cursor[:-3] + "abc"})
    for response in (other_sort, forged):
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_cursor"


def test_it_filters_as_the_list_page_does(alice_api, reports_a):
    reports = reports_a["reports"]
    by_brand = _ids(alice_api.get("/api/reports", {"brand": reports_a["globex"].pk}))
    by_feed = _ids(alice_api.get("/api/reports", {"feed": reports_a["feed"].pk}))
    by_sentiment = _ids(alice_api.get("/api/reports", {"sentiment": "positive"}))
    by_review = _ids(alice_api.get("/api/reports", {"review_status": "confirmed"}))
    by_confidence = _ids(alice_api.get("/api/reports", {"min_confidence": 0.78}))
    excluded = _ids(alice_api.get("/api/reports", {"status": "excluded"}))
    assert by_brand == [reports[4].pk]
    assert by_feed == [reports[0].pk, reports[2].pk, reports[4].pk, reports[6].pk]
    assert by_sentiment == [reports[0].pk, reports[1].pk, reports[2].pk]
    assert by_review == [reports[4].pk]
    assert by_confidence == [reports[6].pk]
    assert excluded == [reports_a["excluded"].pk]


def test_bad_filter_values_are_a_422_naming_each_field(alice_api, reports_a):
    response = alice_api.get(
        "/api/reports", {"min_confidence": 5, "sentiment": "angry", "limit": 0, "brand": "x"}
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input"
    assert {detail["field"] for detail in error["details"]} == {
        "min_confidence",
        "sentiment",
        "limit",
        "brand",
    }


def test_a_report_reads_with_its_mentions_and_an_etag(alice_api, reports_a):
    report = reports_a["reports"][4]
    response = alice_api.get(f"/api/reports/{report.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["article"]["title"] == "Story /4"
    assert [m["brand_name"] for m in body["mentions"]] == ["Acme Corp", "Globex"]
    assert body["feeds"] == ["Wire"]
    etag = response["ETag"]
    again = alice_api.get(f"/api/reports/{report.pk}", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    report.topic = "Changed"
    report.save(update_fields=["topic"])
    changed = alice_api.get(f"/api/reports/{report.pk}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag


def test_mentions_list_filters_and_pages(alice_api, reports_a):
    acme = reports_a["acme"]
    first = alice_api.get("/api/mentions", {"brand": acme.pk, "limit": 5})
    second = alice_api.get(
        "/api/mentions", {"brand": acme.pk, "limit": 5, "cursor": first.json()["next_cursor"]}
    )
    assert len(_ids(first)) == 5
    assert len(_ids(second)) == 2
    assert second.json()["next_cursor"] is None
    confirmed = alice_api.get("/api/mentions", {"review_status": "confirmed"}).json()["items"]
    assert [m["brand_name"] for m in confirmed] == ["Globex"]
    detail = alice_api.get(f"/api/mentions/{confirmed[0]['id']}")
    assert detail.status_code == 200
    assert detail.json()["evidence"].startswith("The plant will build parts for Globex")


def test_confirming_and_rejecting_a_mention_go_through_the_feedback_services(
    alice, alice_api, reports_a
):
    from reports.models import BlockedTerm, Mention

    report = reports_a["reports"][4]
    acme, globex = Mention.objects.filter(report=report).order_by("brand__name")
    confirmed = alice_api.post(f"/api/mentions/{acme.pk}/confirm")
    assert confirmed.status_code == 200
    assert confirmed.json()["review_status"] == "confirmed"
    rejected = alice_api.post(f"/api/mentions/{globex.pk}/reject")
    assert rejected.json()["review_status"] == "rejected"
    globex.refresh_from_db()
    assert globex.reviewed_by == alice
    assert BlockedTerm.objects.filter(normalized="globex").exists()


def test_a_read_only_key_cannot_review(alice, key_for, reports_a):
    from reports.models import Mention

    mention = Mention.objects.filter(report=reports_a["reports"][0]).get()
    reader = key_for(alice, ["reports:read"])
    response = reader.post(f"/api/mentions/{mention.pk}/confirm")
    assert response.status_code == 403
    mention.refresh_from_db()
    assert mention.review_status == "unreviewed"


def test_newest_published_pages_with_undated_articles_last(alice_api, org_a):
    from datetime import UTC, datetime

    dates = [datetime(2026, 1, day, tzinfo=UTC) for day in (5, 9, 7)] + [None, None]
    reports = [
        make_report(make_article(org_a, f"/p{n}", published_at=when))
        for n, when in enumerate(dates)
    ]
    seen, cursor = [], None
    while True:
        params = {"sort": "published", "limit": 2, **({"cursor": cursor} if cursor else {})}
        body = alice_api.get("/api/reports", params).json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    dated = [reports[1].pk, reports[2].pk, reports[0].pk]
    undated = sorted([reports[3].pk, reports[4].pk], reverse=True)
    assert seen == dated + undated


def test_reassigning_a_mention_moves_it_to_the_brand_it_names(alice_api, reports_a):
    from reports.models import Mention

    mention = Mention.objects.filter(report=reports_a["reports"][0]).get()
    globex = reports_a["globex"]
    response = alice_api.post(f"/api/mentions/{mention.pk}/reassign", {"brand": globex.pk})
    assert response.status_code == 200, response.content
    assert response.json()["brand_id"] == globex.pk
    assert response.json()["review_status"] == "confirmed"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        # Python takes offsets up to 23:59; PostgreSQL refused this one with a DataError (a 500).
        ("until", "0194-03-10T10:56:16.65254-21:33", "between -15:59 and +15:59"),
        ("since", "2026-01-01T00:00:00+16:00", "between -15:59 and +15:59"),
        # In UTC this is before the first year: OverflowError on either database.
        ("since", "0001-01-01T00:00:00+05:00", "out of range"),
    ],
)
def test_a_moment_no_database_can_store_is_a_422_naming_its_field(
    alice_api, reports_a, field, value, message
):
    response = alice_api.get("/api/mentions", {field: value})

    assert response.status_code == 422
    [detail] = response.json()["error"]["details"]
    assert detail["field"] == field
    assert message in detail["message"]


def test_the_widest_offsets_postgresql_stores_are_accepted(alice_api, reports_a):
    for value in ("2020-01-01T00:00:00+15:59", "2020-01-01T00:00:00-15:59"):
        response = alice_api.get("/api/mentions", {"since": value})
        assert response.status_code == 200, response.content
        assert response.json()["items"]
