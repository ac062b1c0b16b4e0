"""``manage.py fetch_feeds``: fetch and extract in this process, for operators and cron."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from feeds.models import Article, ArticleStatus, FetchStatus
from tests.feeds.builders import article_page, make_feed, rss
from tests.harness.http_server import Reply

pytestmark = pytest.mark.django_db

RSS_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
HTML_TYPE = {"Content-Type": "text/html; charset=utf-8"}
BODIES = [
    "Acme will build a factory near Lyon and hire four hundred workers next spring. ",
    "Globex agreed to buy the software maker Initech for two billion dollars in cash. ",
    "Umbrella is recalling a batch of allergy tablets after a packaging mix-up. ",
    "Hooli launched a phone with a folding screen and a week of battery life. ",
    "Stark Industries won a contract to supply wind turbines to three ports. ",
]


def serve(server, name: str, stories: list[int]) -> str:
    """A feed at /<name>.xml whose entries link to distinct article pages."""
    items = []
    for n in stories:
        path = f"/{name}/story-{n}"
        body = article_page(f"Story {n}", (BODIES[n] + f"Reported by desk {name}. ") * 6)
        server.add_route(path, Reply(body=body, headers=HTML_TYPE))
        items.append({"title": f"Story {n}", "link": server.url_for(path)})
    server.add_route(f"/{name}.xml", Reply(body=rss(items), headers=RSS_TYPE))
    return server.url_for(f"/{name}.xml")


def run(*args: str) -> tuple[list[str], str]:
    out, err = StringIO(), StringIO()
    call_command("fetch_feeds", *args, stdout=out, stderr=err)
    return out.getvalue().splitlines(), err.getvalue()


@pytest.fixture
def feeds(http_server, org_a, org_b):
    return {
        "wire": make_feed(org_a, serve(http_server, "wire", [0, 1]), name="Wire"),
        "blog": make_feed(org_a, serve(http_server, "blog", [2]), name="Blog"),
        "b": make_feed(org_b, serve(http_server, "b", [3, 4]), name="B news"),
        "off": make_feed(org_a, serve(http_server, "off", [4]), name="Paused", enabled=False),
    }


def line(feed, new: int, extracted: int) -> str:
    return f"ok      {feed.pk:>5}  {feed.name}: {new} new, {extracted} extracted"


def test_it_fetches_the_enabled_feeds_of_every_organization(feeds, org_a, org_b):
    lines, err = run()

    assert lines == [
        line(feeds["wire"], 2, 2),
        line(feeds["blog"], 1, 1),
        line(feeds["b"], 2, 2),
    ]
    assert err == ""
    assert Article.objects.filter(organization=org_a, status=ArticleStatus.EXTRACTED).count() == 3
    assert Article.objects.filter(organization=org_b, status=ArticleStatus.EXTRACTED).count() == 2
    assert "hire four hundred workers" in Article.objects.get(title="Story 0").text
    feeds["off"].refresh_from_db()
    assert feeds["off"].last_status == FetchStatus.NEVER


def test_running_it_again_finds_nothing_new(feeds):
    run()

    lines, _ = run("--feed", str(feeds["wire"].pk))

    assert lines == [line(feeds["wire"], 0, 0)]
    assert Article.objects.count() == 5


def test_org_limits_it_to_one_organization(feeds, org_b):
    lines, _ = run("--org", org_b.slug)

    assert lines == [line(feeds["b"], 2, 2)]
    assert set(Article.objects.values_list("organization", flat=True)) == {org_b.pk}


def test_feed_limits_it_to_the_feeds_named(feeds):
    lines, _ = run("--feed", str(feeds["blog"].pk), "--feed", str(feeds["b"].pk))

    assert lines == [line(feeds["blog"], 1, 1), line(feeds["b"], 2, 2)]
    assert sorted(Article.objects.values_list("title", flat=True)) == [
        "Story 2",
        "Story 3",
        "Story 4",
    ]


def test_feed_and_org_together_do_not_reach_another_organization(feeds, org_b):
    with pytest.raises(CommandError, match=f"No feed with id {feeds['wire'].pk}"):
        run("--org", org_b.slug, "--feed", str(feeds["wire"].pk))

    assert Article.objects.count() == 0


def test_an_unknown_feed_id_is_an_error(feeds):
    with pytest.raises(CommandError, match=r"No feed with id 999999\."):
        run("--feed", str(feeds["wire"].pk), "--feed", "999999")

    assert Article.objects.count() == 0


def test_an_unknown_organization_is_an_error(feeds):
    with pytest.raises(CommandError, match=r"No organization 'nope' with feeds\."):
        run("--org", "nope")

    assert Article.objects.count() == 0


def test_a_failing_feed_prints_its_error_and_the_others_still_run(http_server, feeds, org_a):
    broken = make_feed(org_a, http_server.url_for("/gone.xml"), name="Gone")

    lines, err = run("--org", org_a.slug)

    assert lines == [
        line(feeds["wire"], 2, 2),
        line(feeds["blog"], 1, 1),
        f"error   {broken.pk:>5}  Gone: The server answered 404 Not Found. "
        "Check the address; the feed may have moved.",
    ]
    assert err.strip() == "1 feed(s) failed; see the messages above."
    broken.refresh_from_db()
    assert (broken.last_status, broken.consecutive_failures) == (FetchStatus.ERROR, 1)
    assert Article.objects.filter(organization=org_a).count() == 3


def test_due_skips_feeds_whose_next_fetch_is_in_the_future(http_server, feeds):
    now = timezone.now()
    feeds["wire"].next_fetch_at = now + timedelta(minutes=20)
    feeds["wire"].save(update_fields=["next_fetch_at"])
    feeds["blog"].next_fetch_at = now - timedelta(minutes=1)
    feeds["blog"].save(update_fields=["next_fetch_at"])

    lines, _ = run("--due")

    assert lines == [line(feeds["blog"], 1, 1), line(feeds["b"], 2, 2)]
    assert http_server.requests_to("/wire.xml") == []
    feeds["wire"].refresh_from_db()
    assert feeds["wire"].last_status == FetchStatus.NEVER
