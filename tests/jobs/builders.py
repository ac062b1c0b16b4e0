"""Builders for jobs tests: jobs with sane defaults and feeds served with their pages."""

import random
from typing import Any

from accounts.models import Organization
from jobs.models import Job
from jobs.services.jobs import job_create
from tests.feeds.builders import article_page, make_feed, rss
from tests.harness.http_server import LocalHTTPServer, Reply

RSS_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}
HTML_TYPE = {"Content-Type": "text/html; charset=utf-8"}
SCHEDULE = {
    "schedule_kind": "crontab",
    "cron_minute": "0",
    "cron_hour": "7",
    "cron_day_of_month": "*",
    "cron_month_of_year": "*",
    "cron_day_of_week": "*",
    "timezone": "Europe/Paris",
}


def make_job(organization: Organization, **values: Any) -> Job:
    values = {"name": "Morning run", "use_llm": False, **SCHEDULE, **values}
    return job_create(organization=organization, **values)


_WORDS = (  # noqa: SIM905 -- a sentence of words reads better than 49 quoted ones
    "market brand growth retail online store price launch product customer service partner "
    "deal quarter revenue profit analyst investor share strategy digital campaign consumer "
    "demand supply factory energy travel hotel airline bank insurance cloud mobile music film "
    "city region europe asia government policy rules rival team people report study survey"
).split()


def story(name: str, n: int) -> str:
    # Texts that share hardly a run of four words with another story's: a shared template
    # (as this builder once had) puts stories within SimHash's near-copy distance, and
    # extraction skips one as a syndicated copy of the other.
    rng = random.Random(f"{name}-{n}")  # noqa: S311 -- reproducible test data, not secrets
    sentences = [" ".join(rng.choices(_WORDS, k=12)).capitalize() for _ in range(12)]
    headline = f"{name} story {n}: Acme Corporation announced a partnership with the {name} group"
    return ". ".join([headline, *sentences]) + "."


def serve_feed(
    server: LocalHTTPServer,
    name: str,
    stories: int = 2,
    *,
    delay: float = 0.0,
    page_delay: float = 0.0,
    text_of: str = "",
    missing: int = 0,
) -> str:
    """A feed at /<name>.xml linking ``stories`` article pages; ``delay`` slows its first fetch.

    ``page_delay`` slows every page; ``text_of`` serves another feed's story texts (copies of
    its articles at other addresses); the first ``missing`` pages answer 404.
    """
    items = []
    for n in range(stories):
        path = f"/{name}/story-{n}"
        page = article_page(f"{name} headline {n}", story(text_of or name, n))
        status = 404 if n < missing else 200
        server.add_route(path, Reply(status=status, body=page, headers=HTML_TYPE, delay=page_delay))
        items.append({"title": f"{name} headline {n}", "link": server.url_for(path)})
    feed = Reply(body=rss(items), headers=RSS_TYPE)
    replies = [Reply(body=feed.body, headers=RSS_TYPE, delay=delay), feed] if delay else [feed]
    server.add_route(f"/{name}.xml", *replies)
    return server.url_for(f"/{name}.xml")


def make_served_feed(organization: Organization, server: LocalHTTPServer, name: str, **kw: Any):
    return make_feed(organization, serve_feed(server, name, **kw), name=name)
