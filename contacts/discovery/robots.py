"""robots.txt, read through our own client and judged by ``urllib.robotparser``.

``RobotFileParser.read()`` would fetch with urllib, outside the address policy and the size
and time caps, so the file is fetched with ``breaker_fetch`` and handed to ``parse()``.

How answers are read (the stdlib's convention, stricter than RFC 9309 on 401/403):

- 2xx: the rules apply;
- 401/403: the site refuses robots; nothing may be read;
- other 4xx (404, 410 ...): no rules; everything may be read;
- 429, 5xx, timeouts, refused connections: unknown; the site is skipped this time.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from django.conf import settings

from outbound import FetchError
from resilience import breaker_fetch
from resilience.classify import status_text

MAX_ROBOTS_BYTES = 512 * 1024  # Google reads the first 500 KiB; more is not a robots file


@dataclass(frozen=True)
class Robots:
    """The rules of one origin. ``parser`` is None when the site could not be judged, and
    ``skip_reason`` then says why it is skipped."""

    origin: str
    parser: RobotFileParser | None
    skip_reason: str = ""

    def allows(self, url: str) -> bool:
        if self.parser is None:
            return False
        return self.parser.can_fetch(settings.OUTBOUND_USER_AGENT, url)

    @property
    def refuses_everything(self) -> bool:
        return self.parser is not None and self.parser.disallow_all

    def crawl_delay(self) -> float:
        if self.parser is None:
            return 0.0
        delay = self.parser.crawl_delay(settings.OUTBOUND_USER_AGENT)
        return float(delay) if delay else 0.0


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def robots_fetch(origin: str, *, timeout: float) -> Robots:
    """The robots.txt rules of ``origin`` (``https://acme.example``)."""
    try:
        response = breaker_fetch(
            f"{origin}/robots.txt",
            timeout=timeout,
            read_timeout=timeout,
            max_bytes=MAX_ROBOTS_BYTES,
        )
    except FetchError as error:
        return Robots(origin, None, f"its robots.txt could not be read ({error.message})")
    parser = RobotFileParser(f"{origin}/robots.txt")
    status = response.status
    if status in (401, 403):
        parser.disallow_all = True
    elif 400 <= status < 500 and status != 429:
        parser.allow_all = True
    elif 200 <= status < 300:
        parser.parse(response.text().splitlines())
    else:
        reason = f"its robots.txt answered {status_text(status)}, so what it allows is unknown"
        return Robots(origin, None, reason)
    return Robots(origin, parser)
