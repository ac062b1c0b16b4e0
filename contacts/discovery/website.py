"""The brand-website provider: press contacts on the brand's own press, contact and about pages.

It reads robots.txt first and requests only what it allows, from the brand's site only: the
home page, the links on it that say press / media / contact / about, then a few well-known
paths, at most ``DISCOVERY_SITE_PAGES`` requests in all, each counted against the shared
per-minute budget and sent through the host's circuit breaker. A slow or refusing site stops
the provider with a message; what was found on the pages read so far is kept.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import lxml.html
from django.conf import settings
from django.core.exceptions import ValidationError

from contacts.discovery.base import Candidate, Findings
from contacts.discovery.extract import (
    extract_contacts,
    merge_candidates,
    page_lines,
    parse_page,
)
from contacts.discovery.names import keyword_pattern
from contacts.discovery.ratelimit import rate_acquire
from contacts.discovery.robots import Robots, origin_of, robots_fetch
from contacts.models import ContactSource
from outbound import ConnectionFailed, FetchError, FetchResponse, FetchTimeout
from outbound.validators import validate_public_url
from reports.models import Brand
from resilience import HostPaused, ProviderError, breaker_fetch
from resilience.classify import status_text

PROVIDER = "brand-website"
LABEL = "The brand-website reader"
WELL_KNOWN_PATHS = (
    "/press",
    "/newsroom",
    "/media",
    "/press-room",
    "/contact",
    "/contact-us",
    "/about",
    "/about-us",
)
LINK_WORDS = re.compile(
    r"press|media|newsroom|contact|about|presse|kontakt|impressum|communications", re.IGNORECASE
)
MAX_PAGE_BYTES = 3 * 1024 * 1024
MAX_CRAWL_DELAY = 10.0  # honoured up to this; a longer Crawl-delay would hold a worker too long
_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


class _Stop(Exception):
    """Ends the crawl early; ``message`` is the reason shown to the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BrandWebsiteProvider:
    name = ContactSource.BRAND_WEBSITE
    label = "Brand website"

    def __init__(self, sleep: Callable[[float], None] = time.sleep) -> None:
        self.sleep = sleep

    def unavailable_reason(self, brand: Brand) -> str | None:
        parts = urlsplit(brand.website or "")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return "skipped: the brand has no website on record (add it on the brand page)."
        try:
            # A website stored before the pages refused such addresses: say so, rather
            # than "read 0 pages" after every request was refused.
            validate_public_url(brand.website)
        except ValidationError as error:
            reason = " ".join(error.messages).rstrip(".")
            return (
                f"skipped: the brand's website cannot be read ({reason}); fix it on the brand page."
            )
        return None

    def find(self, brand: Brand, role_keywords: list[str]) -> Findings:
        return _SiteVisit(brand, role_keywords, self.sleep).run()


class _SiteVisit:
    """One crawl of one brand's site."""

    def __init__(
        self, brand: Brand, role_keywords: list[str], sleep: Callable[[float], None]
    ) -> None:
        self.brand = brand
        self.pattern = keyword_pattern(role_keywords)
        self.sleep = sleep
        self.timeout = float(settings.DISCOVERY_SITE_TIMEOUT)
        self.budget = settings.DISCOVERY_SITE_PAGES
        self.home = brand.website.strip()
        self.origin = origin_of(self.home)
        self.robots: Robots | None = None
        self.requests = 0
        self.pages_read = 0
        self.refused: list[str] = []  # paths robots.txt keeps us from
        self.unread: list[tuple[str, str]] = []  # (path, why) of pages requested but not read
        self.candidates: list[Candidate] = []

    @property
    def host(self) -> str:
        return urlsplit(self.origin).netloc

    def run(self) -> Findings:
        try:
            self.robots = self._robots(self.origin)
            if self.robots.refuses_everything:
                return Findings(summary=f"robots.txt of {self.host} does not let us read it.")
            queue = self._home_links()
            queue += [self.origin + path for path in WELL_KNOWN_PATHS]
            seen = {self.home.rstrip("/")}
            for url in queue:
                if self.requests >= self.budget:
                    break
                if url.rstrip("/") in seen:
                    continue
                seen.add(url.rstrip("/"))
                response = self._get(url)
                if response is None:
                    continue
                if _same_origin(response.url, self.origin):
                    self._read(response)
                else:
                    self._unread(url, f"redirected to {origin_of(response.url)}")
        except _Stop as stop:
            summary = self._summary() if self.requests else ""
            return Findings(merge_candidates(self.candidates), summary, stop.message)
        return Findings(merge_candidates(self.candidates), self._summary())

    def _summary(self) -> str:
        if not self.pages_read and self.refused:
            return f"robots.txt of {self.host} does not let us read its press or contact pages."
        plural = "" if self.pages_read == 1 else "s"
        text = f"read {self.pages_read} page{plural} of {self.host}"
        if not self.pages_read and self.unread:
            # "Read 0 pages" alone leaves staff guessing: a wrong address, a site that
            # serves no HTML, a redirect to another site.
            reasons = [f"{path} {why}" for path, why in self.unread[:3]]
            more = len(self.unread) - len(reasons)
            text += " (" + "; ".join(reasons) + (f"; {more} more" if more > 0 else "") + ")"
        if self.refused:
            text += f"; robots.txt keeps us from {', '.join(sorted(set(self.refused))[:5])}"
        return text[0].upper() + text[1:] + "."

    def _robots(self, origin: str) -> Robots:
        self._take_budget(counted=False)
        robots = robots_fetch(origin, timeout=self.timeout)
        if robots.parser is None:
            raise _Stop(f"{urlsplit(origin).netloc} was skipped: {robots.skip_reason}.")
        return robots

    def _home_links(self) -> list[str]:
        """Read the home page; a redirect to another origin (www., https) moves the visit
        there, with that origin's robots.txt deciding whether the page may be used."""
        response = self._get(self.home)
        if response is None:
            return []
        final_origin = origin_of(response.url)
        if final_origin != self.origin:
            self.origin = final_origin
            self.robots = self._robots(final_origin)
            if not self.robots.allows(response.url):
                self.refused.append(urlsplit(response.url).path or "/")
                return []
        root = self._read(response)
        return contact_links(root, response.url, LINK_WORDS) if root is not None else []

    def _unread(self, url: str, why: str) -> None:
        self.unread.append((urlsplit(url).path or "/", why))

    def _read(self, response: FetchResponse) -> lxml.html.HtmlElement | None:
        if response.content_type not in _HTML_TYPES:
            self._unread(response.url, f"is not a web page ({response.content_type or 'no type'})")
            return None
        root = parse_page(response.text())
        if root is None:
            self._unread(response.url, "is empty")
            return None
        self.pages_read += 1
        lines = page_lines(root)
        self.candidates += extract_contacts(
            lines, page_url=response.url, brand_name=self.brand.name, pattern=self.pattern
        )
        return root

    def _take_budget(self, *, counted: bool = True) -> None:
        """Wait the Crawl-delay, then take a request from the shared per-minute budget."""
        if self.requests and self.robots is not None:
            delay = min(self.robots.crawl_delay(), MAX_CRAWL_DELAY)
            if delay:
                self.sleep(delay)
        try:
            rate_acquire(name=PROVIDER, per_minute=settings.DISCOVERY_SITE_PER_MINUTE, label=LABEL)
        except ProviderError as error:
            raise _Stop(error.message) from None
        if counted:
            self.requests += 1

    def _get(self, url: str) -> FetchResponse | None:
        """The page, or None when there is none to read (missing, refused by robots.txt,
        not HTML); raises _Stop when the site is failing or asks us to slow down."""
        assert self.robots is not None  # noqa: S101 (run() reads robots.txt first)
        if not self.robots.allows(url):
            self.refused.append(urlsplit(url).path or "/")
            return None
        self._take_budget()
        try:
            response = breaker_fetch(
                url, timeout=self.timeout, read_timeout=self.timeout, max_bytes=MAX_PAGE_BYTES
            )
        except (FetchTimeout, ConnectionFailed, HostPaused) as error:
            raise _Stop(f"{self.host} stopped answering ({error.message}).") from None
        except FetchError as error:
            # Too large, undecodable, a redirect we refuse: skip that page.
            self._unread(url, f"was skipped ({error.message})")
            return None
        if response.status in (429, 503):
            raise _Stop(
                f"{self.host} asked us to slow down ({status_text(response.status)}), so the "
                "visit stopped there."
            )
        if not 200 <= response.status < 300:
            self._unread(url, f"answered {status_text(response.status)}")
            return None
        return response


def _same_origin(url: str, origin: str) -> bool:
    return origin_of(url) == origin


def contact_links(root: lxml.html.HtmlElement, page_url: str, words: re.Pattern[str]) -> list[str]:
    """Links on the page to press, media, contact or about pages of the same site."""
    origin = urlsplit(page_url)
    links: list[str] = []
    for anchor in root.iter("a"):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        text = anchor.text_content() or ""
        if not (words.search(href) or words.search(text)):
            continue
        url = urljoin(page_url, href).split("#")[0]
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != (origin.scheme, origin.netloc):
            continue
        if url not in links:
            links.append(url)
    return links
