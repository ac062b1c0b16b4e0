from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.urls import reverse

from accounts.tenancy import TenantModel
from outbound.validators import validate_public_url

# Polling bounds: a feed is read at most every 5 minutes and at least once a day, whatever
# its server asks for, and a failing feed backs off to at most 6 hours between tries.
DEFAULT_INTERVAL = timedelta(minutes=30)
MIN_INTERVAL = timedelta(minutes=5)
MAX_INTERVAL = timedelta(hours=24)
MAX_BACKOFF = timedelta(hours=6)


def _is_web_url(url: str) -> bool:
    """Whether the field's own validator accepts ``url`` (when it does not, it has already
    said so, and once is enough). It accepts ftp: too: validate_public_url refuses that
    with a message saying why, not "Enter a valid URL"."""
    try:
        URLValidator()(url)
    except ValidationError:
        return False
    return True


class FeedKind(models.TextChoices):
    UNKNOWN = "unknown", "Not fetched yet"
    RSS = "rss", "RSS"
    ATOM = "atom", "Atom"
    JSON = "json", "JSON Feed"
    SEARCH = "search", "Keyword search"


class FetchStatus(models.TextChoices):
    NEVER = "never", "Never fetched"
    OK = "ok", "OK"
    NOT_MODIFIED = "not_modified", "Not modified"
    ERROR = "error", "Error"


# How outbound.ConnectionFailed words a host that could not be reached at all (no DNS, no
# route). When every enabled feed failed this way the machine is most likely offline, and the
# pages say so once instead of showing one red error per feed.
UNREACHABLE_PREFIXES = ("could not resolve host", "could not connect to")


def unreachable_q() -> models.Q:
    """Feeds whose last fetch failed because the host could not be reached."""
    reached = models.Q()
    for prefix in UNREACHABLE_PREFIXES:
        reached |= models.Q(last_error__startswith=prefix)
    return models.Q(last_status=FetchStatus.ERROR) & reached


class Feed(TenantModel):
    """A news source the organization watches, with the state of its last fetch."""

    name = models.CharField(max_length=200)
    # http(s) only, no credentials, no private address: Feed.clean (validate_public_url).
    url = models.URLField(max_length=2000)
    kind = models.CharField(max_length=10, choices=FeedKind.choices, default=FeedKind.UNKNOWN)
    # For keyword-search feeds: the URL is built from these.
    keywords = models.CharField(max_length=500, blank=True)
    language = models.CharField(max_length=8, blank=True)
    country = models.CharField(max_length=2, blank=True)
    enabled = models.BooleanField(default=True)
    fetch_timeout = models.PositiveSmallIntegerField(
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
        help_text="Seconds allowed for one fetch of the feed or of one article page.",
    )
    max_articles_per_run = models.PositiveIntegerField(
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="New articles taken from one fetch; the newest first.",
    )

    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_fetched_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(
        max_length=15, choices=FetchStatus.choices, default=FetchStatus.NEVER
    )
    last_http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_warning = models.TextField(blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    next_fetch_at = models.DateTimeField(null=True, blank=True)
    # The server's own hint for polling (RSS <ttl>), kept between fetches.
    ttl_minutes = models.PositiveIntegerField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "url"], name="unique_feed_url"),
        ]
        indexes = [
            models.Index(fields=["enabled", "next_fetch_at"], name="feed_due_idx"),
            # The operator alert check (every minute) reads only the failing feeds.
            models.Index(
                fields=["id"],
                name="feed_failing_idx",
                condition=models.Q(enabled=True, last_status=FetchStatus.ERROR),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("feeds:articles") + f"?feed={self.pk}"

    def clean(self) -> None:
        # Here, not only in the add-feed form: the service (hence OPML import), the admin's
        # form and its import all refuse an address the fetcher would refuse.
        if self.url and self.kind != FeedKind.SEARCH and _is_web_url(self.url):
            validate_public_url(self.url, field="url")

    def is_due(self, now: datetime) -> bool:
        return self.enabled and (self.next_fetch_at is None or self.next_fetch_at <= now)

    @property
    def unreachable(self) -> bool:
        """The last fetch failed because the host could not be reached (see unreachable_q)."""
        return self.last_status == FetchStatus.ERROR and self.last_error.startswith(
            UNREACHABLE_PREFIXES
        )

    def next_fetch_after(
        self,
        now: datetime,
        *,
        failed: bool,
        retry_after: float | None = None,
        max_age: float | None = None,
    ) -> datetime:
        """When to fetch next, given the outcome of the fetch that just ended.

        Success: the server's hint (Cache-Control max-age, else RSS <ttl>) within bounds, else
        the default interval. Failure: exponential backoff from the default interval on the
        number of consecutive failures (counting this one), capped. Retry-After wins over both,
        within the same bounds.
        """
        if retry_after is not None:
            delay = timedelta(seconds=retry_after)
        elif failed:
            exponent = min(max(self.consecutive_failures, 1) - 1, 10)
            delay = min(MIN_INTERVAL * (2**exponent), MAX_BACKOFF)
        elif max_age is not None:
            delay = timedelta(seconds=max_age)
        elif self.ttl_minutes:
            delay = timedelta(minutes=self.ttl_minutes)
        else:
            delay = DEFAULT_INTERVAL
        return now + min(max(delay, MIN_INTERVAL), MAX_INTERVAL)


class ArticleStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    EXTRACTED = "extracted", "Extracted"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"


class Article(TenantModel):
    """One story, however many feeds carried it."""

    canonical_url = models.TextField()
    # sha256 of canonical_url: a fixed-width key for the uniqueness constraint and lookups,
    # since URLs can be longer than an index entry allows.
    url_hash = models.CharField(max_length=64)
    original_url = models.TextField()
    guid = models.CharField(max_length=1000, blank=True)
    title = models.TextField(blank=True)
    author = models.CharField(max_length=300, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(blank=True)
    text = models.TextField(blank=True)
    language = models.CharField(max_length=16, blank=True)
    word_count = models.PositiveIntegerField(default=0)
    content_hash = models.CharField(max_length=64, blank=True)
    simhash = models.BigIntegerField(null=True, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    status = models.CharField(
        max_length=10, choices=ArticleStatus.choices, default=ArticleStatus.PENDING
    )
    status_reason = models.TextField(blank=True)
    feeds = models.ManyToManyField(Feed, through="ArticleFeed", related_name="articles")
    fetched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "url_hash"], name="unique_article_url"),
        ]
        indexes = [
            models.Index(
                fields=["organization", "-published_at"], name="article_org_published_idx"
            ),
            models.Index(fields=["organization", "status"], name="article_org_status_idx"),
            models.Index(fields=["organization", "content_hash"], name="article_org_hash_idx"),
            models.Index(fields=["organization", "-created_at"], name="article_org_created_idx"),
            # The near-duplicate search (feeds.services.extract): the newest originals with a
            # fingerprint, read from the index alone. Without simhash in it, every candidate
            # meant reading its row, past the text in overflow pages (0.3 ms per new article
            # at 10,000 articles). Partial on IS NULL terms only: SQLite cannot match a
            # condition on a value the query passes as a parameter.
            # The once-a-minute sweep for stalled extractions (feeds.tasks): pending articles
            # are few, so it reads a sliver of this index instead of every row of the table.
            models.Index(fields=["status", "fetched_at"], name="article_status_fetched_idx"),
            models.Index(
                fields=["organization", "status", "-created_at", "simhash"],
                name="article_near_copy_idx",
                condition=models.Q(duplicate_of__isnull=True, simhash__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.canonical_url

    def get_absolute_url(self) -> str:
        return reverse("feeds:article_detail", args=[self.pk])

    @property
    def display_text(self) -> str:
        """What to read: the extracted text, or the feed's summary when extraction failed."""
        return self.text or self.summary


class ArticleFeed(models.Model):
    """An article seen in a feed (one article in three feeds is one Article, three links)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE)
    feed = models.ForeignKey(Feed, on_delete=models.CASCADE)
    first_seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "feed"], name="unique_article_feed"),
        ]
        indexes = [models.Index(fields=["feed", "-first_seen_at"], name="articlefeed_recent_idx")]

    def __str__(self) -> str:
        return f"article {self.article_id} in feed {self.feed_id}"
