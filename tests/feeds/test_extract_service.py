"""articles_extract against pages served by a real local HTTP server."""

import threading
import time
from pathlib import Path

import pytest

from feeds.models import Article, ArticleFeed, ArticleStatus
from feeds.services import extract as service
from feeds.services.extract import SAVED_FIELDS, _mark_duplicates, articles_extract
from feeds.services.refresh import feed_refresh
from tests.feeds.builders import LOREM, article_page, make_feed, rss, stored_article
from tests.harness.http_server import Reply

pytestmark = pytest.mark.django_db

HTML = {"Content-Type": "text/html; charset=utf-8"}
OTHER_STORY = (
    "The city council approved a new budget for public transport on Monday evening. "
    "Bus fares will stay the same next year while two tram lines are extended to the suburbs. "
    "Opposition members criticised the plan for its reliance on federal grants that may never "
    "arrive, and local shop owners asked for better parking near the new stations. "
    "The mayor said construction should begin in the autumn and last about three years."
)
PAGES = Path(__file__).resolve().parent.parent / "fixtures" / "pages"


def ingest(http_server, organization, pages: dict[str, Reply], feed_path: str = "/feed.xml"):
    """Serve ``pages`` from a feed, refresh it, and return the new articles' ids."""
    items = []
    for path, reply in pages.items():
        http_server.add_route(path, reply)
        items.append({"title": f"Title of {path}", "link": http_server.url_for(path)})
    http_server.add_route(feed_path, Reply(body=rss(items)))
    feed = make_feed(organization, http_server.url_for(feed_path), name=feed_path)
    return feed_refresh(feed=feed).new_article_ids


def test_an_article_page_is_extracted_with_its_text_and_language(http_server, org_a):
    ids = ingest(http_server, org_a, {"/story": Reply(body=article_page("Big news"), headers=HTML)})

    [article] = articles_extract(article_ids=ids)

    article.refresh_from_db()
    assert article.status == ArticleStatus.EXTRACTED
    assert "new product line would reach stores" in article.text
    assert "All rights reserved" not in article.text  # Boilerplate left out.
    assert article.language == "en"
    assert article.word_count > 100
    assert len(article.content_hash) == 64
    assert article.simhash is not None


@pytest.mark.parametrize(
    "reply, reason",
    [
        (
            Reply(status=403, body="Forbidden"),
            "The server answered 403 Forbidden. The server refuses to serve the page to us.",
        ),
        (
            Reply(body=b"%PDF-1.4", headers={"Content-Type": "application/pdf"}),
            "The page is not HTML (application/pdf)",
        ),
        (
            Reply(body=(PAGES / "paywall_teaser.html").read_bytes(), headers=HTML),
            "No article text found on the page (paywall or empty page).",
        ),
        (Reply(body=article_page("Slow"), delay=3), "The page could not be fetched: "),
    ],
    ids=["403", "pdf", "paywall", "timeout"],
)
def test_a_page_that_fails_falls_back_to_the_summary_and_says_why(
    http_server, org_a, reply, reason
):
    ids = ingest(http_server, org_a, {"/story": reply})

    articles_extract(article_ids=ids, timeout=1)

    article = Article.objects.get(pk=ids[0])
    assert article.status == ArticleStatus.FAILED
    assert article.status_reason.startswith(reason)
    assert article.text == ""
    assert article.display_text == "A short summary of the story."


def test_one_bad_page_does_not_stop_the_batch(http_server, org_a):
    ids = ingest(
        http_server,
        org_a,
        {
            "/good": Reply(body=article_page("Good"), headers=HTML),
            "/gone": Reply(status=404),
            "/also-good": Reply(body=article_page("Also good", OTHER_STORY), headers=HTML),
        },
    )

    articles_extract(article_ids=ids)

    statuses = dict(Article.objects.values_list("original_url", "status"))
    assert statuses[http_server.url_for("/good")] == ArticleStatus.EXTRACTED
    assert statuses[http_server.url_for("/gone")] == ArticleStatus.FAILED
    assert statuses[http_server.url_for("/also-good")] == ArticleStatus.EXTRACTED


def test_a_syndicated_copy_in_another_feed_points_to_the_original(http_server, org_a):
    original = (PAGES / "news_article.html").read_bytes()
    copy = (PAGES / "news_article_syndicated.html").read_bytes()
    first = ingest(http_server, org_a, {"/orig": Reply(body=original, headers=HTML)}, "/a.xml")
    articles_extract(article_ids=first)
    second = ingest(http_server, org_a, {"/copy": Reply(body=copy, headers=HTML)}, "/b.xml")

    articles_extract(article_ids=second)

    syndicated = Article.objects.get(pk=second[0])
    assert syndicated.duplicate_of_id == first[0]
    assert syndicated.status == ArticleStatus.SKIPPED
    assert "syndicated copy" in syndicated.status_reason


def test_the_same_text_at_two_addresses_is_a_duplicate_even_in_one_feed(http_server, org_a):
    page = article_page("Same story", LOREM * 5)
    ids = ingest(
        http_server,
        org_a,
        {"/one": Reply(body=page, headers=HTML), "/two": Reply(body=page, headers=HTML)},
    )

    articles_extract(article_ids=ids)

    first, second = Article.objects.order_by("id")
    assert first.duplicate_of_id is None and first.status == ArticleStatus.EXTRACTED
    assert second.duplicate_of_id == first.pk


def test_articles_already_claimed_or_done_are_not_extracted_again(http_server, org_a):
    ids = ingest(http_server, org_a, {"/story": Reply(body=article_page("Once"), headers=HTML)})
    articles_extract(article_ids=ids)
    fetched = len(http_server.requests_to("/story"))

    again = articles_extract(article_ids=ids)

    assert again == []
    assert len(http_server.requests_to("/story")) == fetched


def test_a_batch_takes_a_fixed_number_of_queries(http_server, org_a, django_assert_max_num_queries):
    pages = {
        f"/s{n}": Reply(body=article_page(f"Story {n}", f"Story number {n}. " + LOREM * 3))
        for n in range(20)
    }
    ids = ingest(http_server, org_a, pages)

    # Claim (2), prefetch feeds (1), duplicate lookups (2), save (1: one UPDATE statement
    # run with executemany for the whole batch, counted once).
    with django_assert_max_num_queries(6):
        done = articles_extract(article_ids=ids)

    assert len(done) == 20
    assert Article.objects.filter(status=ArticleStatus.EXTRACTED).count() == 20


def test_hostile_markup_never_reaches_the_text(http_server, org_a):
    page = (PAGES / "scripts_in_body.html").read_bytes()
    ids = ingest(http_server, org_a, {"/s": Reply(body=page, headers=HTML)})

    articles_extract(article_ids=ids)

    text = Article.objects.get().text
    assert "<script" not in text and "alert(" not in text and "onerror" not in text


def test_saving_writes_every_field_of_every_article_in_the_batch(http_server, org_a):
    pages = {f"/s{n}": Reply(body=article_page(f"Story {n}", f"Story number {n}. " + LOREM * 3),
                             headers=HTML) for n in range(3)}  # fmt: skip
    ids = ingest(http_server, org_a, {**pages, "/gone": Reply(status=410)})

    done = {a.pk: a for a in articles_extract(article_ids=ids)}

    fields = [*SAVED_FIELDS[:-1], "duplicate_of_id"]
    assert SAVED_FIELDS[-1] == "duplicate_of"
    for stored in Article.objects.filter(pk__in=ids):
        for field in fields:
            assert getattr(stored, field) == getattr(done[stored.pk], field), field
    assert Article.objects.filter(status=ArticleStatus.FAILED).count() == 1
    assert Article.objects.filter(status=ArticleStatus.EXTRACTED).count() == 3


def test_a_copy_points_to_the_oldest_original_whether_stored_or_in_the_batch(org_a):
    feed_a, feed_b, feed_c = (make_feed(org_a, f"https://site.example/{n}.xml", name=n)
                              for n in "abc")  # fmt: skip
    # first (in this batch) and stored (saved by another worker, with a higher id) are copies
    # of one story; first is not a copy of stored because they share feed A.
    first = stored_article(org_a, feed_a, 1, 0b0, status=ArticleStatus.PENDING)
    stored = stored_article(org_a, feed_a, 2, 0b11)
    ArticleFeed.objects.create(article=stored, feed=feed_b)
    copy = stored_article(org_a, feed_c, 3, 0b111, status=ArticleStatus.PENDING)
    unrelated = stored_article(org_a, feed_c, 4, 2**40 - 1, status=ArticleStatus.PENDING)
    batch = list(Article.objects.filter(pk__in=[first.pk, copy.pk, unrelated.pk]).order_by("id"))
    for article in batch:
        article.status = ArticleStatus.EXTRACTED

    _mark_duplicates(org_a.pk, batch)

    first, copy, unrelated = batch
    assert first.duplicate_of_id is None and first.status == ArticleStatus.EXTRACTED
    assert copy.duplicate_of_id == first.pk and copy.status == ArticleStatus.SKIPPED
    assert unrelated.duplicate_of_id is None


def test_a_near_copy_in_the_same_feed_is_not_a_duplicate_but_one_elsewhere_is(org_a):
    feed_a, feed_b = (make_feed(org_a, f"https://site.example/{n}.xml", name=n) for n in "ab")
    older = stored_article(org_a, feed_a, 1, 0b1)
    original = stored_article(org_a, feed_b, 2, 0b11)  # newer, but the only one in another feed
    follow_up = stored_article(org_a, feed_a, 3, 0b111, status=ArticleStatus.PENDING)
    follow_up.status = ArticleStatus.EXTRACTED

    _mark_duplicates(org_a.pk, [follow_up])

    assert older.pk < original.pk
    assert follow_up.duplicate_of_id == original.pk


def test_a_near_copy_of_an_article_in_no_feed_any_more_is_not_its_duplicate(org_a):
    feed_a, feed_b = (make_feed(org_a, f"https://site.example/{n}.xml", name=n) for n in "ab")
    orphan = stored_article(org_a, feed_b, 1, 0b1)
    ArticleFeed.objects.filter(article=orphan).delete()  # as when feed B is deleted
    linked = stored_article(org_a, feed_b, 2, 0b11)
    follow_up = stored_article(org_a, feed_a, 3, 0b111, status=ArticleStatus.PENDING)
    follow_up.status = ArticleStatus.EXTRACTED

    _mark_duplicates(org_a.pk, [follow_up])

    # The orphan is older and just as near, but only an article still in a feed counts.
    assert follow_up.duplicate_of_id == linked.pk


def test_a_near_copy_search_reads_feeds_only_for_matching_candidates(
    org_a, django_assert_num_queries
):
    feed_a, feed_b = (make_feed(org_a, f"https://site.example/{n}.xml", name=n) for n in "ab")
    for n in range(1, 30):  # far from the new article's fingerprint: 40 bits apart
        stored_article(org_a, feed_b, n, ((2**40 - 1) << 16) + n)
    article = stored_article(org_a, feed_a, 99, 0b1, status=ArticleStatus.PENDING)
    article.status = ArticleStatus.EXTRACTED

    # The batch's own feed links, exact copies, near-copy candidates; no query for the feeds
    # of 29 candidates none of which matched.
    with django_assert_num_queries(3):
        _mark_duplicates(org_a.pk, [article])

    assert article.duplicate_of_id is None


class FakePages:
    """Stands in for _fetch_page and _extract_page: records what was fetched when."""

    def __init__(
        self, *, fetch_seconds: float, extract_seconds: float = 0.0, slow: range = range(0)
    ) -> None:
        self.lock = threading.Lock()
        self.slow = slow  # pages that take 0.1 s to arrive, whatever fetch_seconds says
        self.fetch_seconds, self.extract_seconds = fetch_seconds, extract_seconds
        self.started: list[int] = []  # fetches begun, in order
        self.threads: set[str] = set()  # pool threads that fetched
        self.extracted: list[tuple[int, str]] = []
        # Per extraction: fetches begun before it, and while it ran.
        self.started_before: list[int] = []
        self.started_during: list[int] = []

    def fetch(self, article, timeout):
        with self.lock:
            self.started.append(article.pk)
            self.threads.add(threading.current_thread().name)
        time.sleep(0.1 if article.pk in self.slow else self.fetch_seconds)
        return service.FetchError("refused", article.original_url)

    def extract(self, article, response):
        before = len(self.started)
        time.sleep(self.extract_seconds)
        self.started_before.append(before)
        self.started_during.append(len(self.started) - before)
        self.extracted.append((article.pk, threading.current_thread().name))
        return service.PageOutcome(article, reason=response.message)


def run_batch(monkeypatch, settings, pages: FakePages, count: int) -> list:
    settings.FEEDS_EXTRACT_CONCURRENCY = 2  # windows of 4 pages
    monkeypatch.setattr(service, "_fetch_page", pages.fetch)
    monkeypatch.setattr(service, "_extract_page", pages.extract)
    articles = [
        Article(pk=pk, original_url=f"https://site.example/{pk}") for pk in range(1, count + 1)
    ]
    return service._fetch_and_extract_all(articles, timeout=1)


def test_pages_are_fetched_in_the_pool_and_extracted_here_in_order(monkeypatch, settings):
    pages = FakePages(fetch_seconds=0.0)
    outcomes = run_batch(monkeypatch, settings, pages, 11)

    assert [o.article.pk for o in outcomes] == list(range(1, 12))
    assert [pk for pk, _ in pages.extracted] == list(range(1, 12))
    assert {thread for _, thread in pages.extracted} == {threading.current_thread().name}
    assert sorted(pages.started) == list(range(1, 12))


def test_pages_that_arrive_at_once_are_fetched_a_window_at_a_time_then_extracted(
    monkeypatch, settings
):
    # A nearby site: fetching ahead would only interrupt extraction. Each window (2 x
    # FEEDS_EXTRACT_CONCURRENCY = 4 pages) is fetched in full before its first page is
    # extracted, and nothing is fetched while its pages are extracted, except the next window,
    # which goes out during the last one. (A generous threshold: a loaded CI machine must not
    # make instant fetches look slow.)
    monkeypatch.setattr(service, "NETWORK_BOUND_SECONDS_PER_PAGE", 0.5)
    pages = FakePages(fetch_seconds=0.0, extract_seconds=0.05)
    run_batch(monkeypatch, settings, pages, 11)

    started = [b + d for b, d in zip(pages.started_before, pages.started_during, strict=True)]
    first_pages = [0, 1, 2, 4, 5, 6, 8, 9]
    assert [pages.started_during[i] for i in first_pages] == [0] * 8
    assert [pages.started_before[i] for i in first_pages] == [4, 4, 4, 8, 8, 8, 11, 11]
    # Last page of windows 1 and 2: the next window was fetched while it was extracted.
    assert pages.started_before[3] >= 4 and started[3] == 8
    assert pages.started_before[7] >= 8 and started[7] == 11
    assert started[10] == 11


def test_pages_slow_to_arrive_are_fetched_while_earlier_ones_are_extracted(monkeypatch, settings):
    # Over a real network: the first window took 10 ms per page, far more than
    # NETWORK_BOUND_SECONDS_PER_PAGE, so a full window stays in flight during extraction.
    pages = FakePages(fetch_seconds=0.02, extract_seconds=0.05)
    run_batch(monkeypatch, settings, pages, 11)

    # Page 5 was on its way while page 1 was extracted.
    assert pages.started_before[0] + pages.started_during[0] >= 5
    # Never more than a window of pages in memory or in flight besides the one extracted.
    started = [b + d for b, d in zip(pages.started_before, pages.started_during, strict=True)]
    assert all(count - (index + 1) <= 4 for index, count in enumerate(started))
    assert [pk for pk, _ in pages.extracted] == list(range(1, 12))


def test_once_a_window_is_slow_to_arrive_the_rest_of_the_batch_is_fetched_ahead(
    monkeypatch, settings
):
    monkeypatch.setattr(service, "NETWORK_BOUND_SECONDS_PER_PAGE", 0.01)
    pages = FakePages(fetch_seconds=0.0, extract_seconds=0.03, slow=range(5, 9))
    run_batch(monkeypatch, settings, pages, 16)

    # Window 1 (pages 1-4) arrived at once: nothing was fetched while its pages were
    # extracted, but for window 2 during the last one.
    assert pages.started_during[:3] == [0, 0, 0]
    # Window 2 (pages 5-8) took 0.1 s a page; from then on fetches run during extraction:
    # page 13 was fetched while page 9 was extracted.
    assert pages.started_before[8] + pages.started_during[8] >= 13
    assert [pk for pk, _ in pages.extracted] == list(range(1, 17))


def test_a_batch_gets_no_more_fetch_threads_than_its_hosts_allow(monkeypatch, settings):
    # One site and a limit of 2 requests per host: 2 threads, not FEEDS_EXTRACT_CONCURRENCY.
    pages = FakePages(fetch_seconds=0.01)
    monkeypatch.setattr(service, "_fetch_page", pages.fetch)
    monkeypatch.setattr(service, "_extract_page", pages.extract)
    settings.FEEDS_EXTRACT_CONCURRENCY = 8
    articles = [Article(pk=pk, original_url=f"https://site.example/{pk}") for pk in range(1, 21)]

    service._fetch_and_extract_all(articles, timeout=1)

    assert len(pages.threads) == 2
    assert sorted(pages.started) == list(range(1, 21))


def test_host_limiter_counts_the_requests_a_set_of_urls_can_have_in_flight() -> None:
    limiter = service.HostLimiter(2)
    urls = [f"https://a.example/{n}" for n in range(5)] + [
        "https://B.example/1",
        "http://c.example/",
    ]

    assert limiter.lanes(urls) == 2 + 1 + 1  # hosts compare case-insensitively
    assert limiter.lanes([]) == 0


def test_the_runs_time_limit_striking_during_extraction_stops_the_batch(
    http_server, org_a, monkeypatch
):
    # The soft time limit is a signal raised wherever the run is; during a page's extraction
    # it used to be taken for that page's fault and the run went on past its limit.
    from celery.exceptions import SoftTimeLimitExceeded

    ids = ingest(
        http_server,
        org_a,
        {"/good": Reply(body=article_page("Good"), headers=HTML)},
    )

    def time_is_up(*args, **kwargs):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(service, "extract_article", time_is_up)

    with pytest.raises(SoftTimeLimitExceeded):
        articles_extract(article_ids=ids)
