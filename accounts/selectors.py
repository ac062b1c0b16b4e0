"""Reads behind the dashboard: the morning briefing and the getting-started checklist.

Every count of "this week" uses the date an article was published (``Mention.mentioned_at``,
which is the article's publication time, or its analysis time when the feed gave none), the
same date the Brands page counts by, so the two pages agree. Articles count once however
many feeds carried them: syndicated copies (``Article.duplicate_of``) are left out, and
reports that a keyword rule excluded are not counted as analysed.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import Invitation, LLMSource, Membership, Organization, OrganizationLLM
from feeds.models import Article, Feed, FetchStatus, unreachable_q
from jobs.models import ExecutionStatus, Job, JobExecution
from reports.analytics import Timeline, timeline
from reports.exports.ranges import RangePreset, resolve_range
from reports.extractors.llm import llm_configured
from reports.models import Brand, BrandStatus, Mention, Report, ReportStatus, ReviewStatus

WEEK = timedelta(days=7)
# The review queue shows what is most likely right first: a reviewer confirms these in one
# click, and they are the mentions that feed reports and drafts.
HIGH_CONFIDENCE = 0.8
# A brand "jumped" when it had at least this many mentions this week and at least twice as
# many as the week before: below that, one extra story reads as a doubling.
JUMP_MINIMUM = 3
LIST_SIZE = 5
# The review queue's total is counted up to this many, then shown as "1000+": counting every
# unreviewed mention took ~190 ms at 100k reports on every dashboard view. The reports list,
# where the link leads, caps its filtered counts the same way.
REVIEW_COUNT_CAP = 1000
TRACKED_SHOWN = 8
# Lines in the dashboard's compact chart: more would not read at a third of the page.
TRACKED_CHARTED = 5
FAILED_RUN_STATUSES = (ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT)


@dataclass(frozen=True)
class BrandTrend:
    brand_id: int
    name: str
    this_week: int
    last_week: int

    @property
    def delta(self) -> int:
        return self.this_week - self.last_week

    @property
    def direction(self) -> str:
        """ "up", "down" or "flat": the arrow's class and its words for screen readers."""
        if self.delta > 0:
            return "up"
        return "down" if self.delta < 0 else "flat"


@dataclass(frozen=True)
class SentimentMix:
    positive: int = 0
    neutral: int = 0
    negative: int = 0

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative

    def _share(self, count: int) -> int:
        return round(100 * count / self.total) if self.total else 0

    @property
    def positive_share(self) -> int:
        return self._share(self.positive)

    @property
    def neutral_share(self) -> int:
        return self._share(self.neutral)

    @property
    def negative_share(self) -> int:
        return self._share(self.negative)


@dataclass(frozen=True)
class Briefing:
    since: datetime
    articles: int
    reports: int
    tracked: list[BrandTrend]
    tracked_total: int
    discovered: list[BrandTrend]
    jumped: list[BrandTrend]
    sentiment: SentimentMix
    to_review: list[Mention]
    # Counted up to REVIEW_COUNT_CAP + 1; see to_review_capped.
    to_review_total: int
    failing_feeds: list[Feed]
    failing_feeds_total: int
    # Every enabled feed failed to reach its host: most likely this machine is offline.
    offline: bool
    failed_runs: list[JobExecution]
    failed_runs_total: int
    # Mentions per day of the busiest tracked brands over the last 30 days (the dashboard's
    # compact chart), counted by the same publication date as everything above.
    tracked_timeline: "Timeline | None" = None

    @property
    def to_review_capped(self) -> bool:
        return self.to_review_total > REVIEW_COUNT_CAP

    @property
    def review_count_cap(self) -> int:
        return REVIEW_COUNT_CAP


def _mentions_between(
    organization: Organization, start: datetime, end: datetime | None = None
) -> Coalesce:
    """A brand's mentions published in [start, end): a correlated count that reads only the
    period's range of the (organization, brand, time) index, like the Brands page does."""
    period = Q(organization=organization, brand_id=OuterRef("pk"), mentioned_at__gte=start)
    if end is not None:
        period &= Q(mentioned_at__lt=end)
    counts = (
        Mention.objects.filter(period)
        .order_by()
        .values("brand_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), Value(0))


def _weekly(organization: Organization, now: datetime) -> QuerySet[Brand]:
    return Brand.objects.filter(organization=organization, merged_into__isnull=True).annotate(
        this_week=_mentions_between(organization, now - WEEK),
        last_week=_mentions_between(organization, now - 2 * WEEK, now - WEEK),
    )


def _trends(brands: QuerySet[Brand]) -> list[BrandTrend]:
    return [
        BrandTrend(brand_id=pk, name=name, this_week=this_week, last_week=last_week)
        for pk, name, this_week, last_week in brands.values_list(
            "pk", "name", "this_week", "last_week"
        )
    ]


def published_since(since: datetime) -> Q:
    """Reports whose article was published since ``since`` (analysis time when undated)."""
    return Q(article__published_at__gte=since) | Q(
        article__published_at__isnull=True, analysed_at__gte=since
    )


def dashboard_briefing(organization: Organization, now: datetime | None = None) -> Briefing:
    """Everything the dashboard shows, in a fixed number of queries."""
    now = now or timezone.now()
    since = now - WEEK
    weekly = _weekly(organization, now)

    tracked = weekly.filter(status=BrandStatus.TRACKED)
    tracked_total = tracked.count()
    tracked_rows = _trends(tracked.order_by("-this_week", "-last_week", "name")[:TRACKED_SHOWN])
    discovered = _trends(
        weekly.filter(status=BrandStatus.UNREVIEWED, this_week__gt=0).order_by(
            "-this_week", "name"
        )[:LIST_SIZE]
    )
    jumped = _trends(
        weekly.exclude(status=BrandStatus.IGNORED)
        .filter(this_week__gte=JUMP_MINIMUM)
        .filter(this_week__gte=F("last_week") * 2)
        .order_by((F("this_week") - F("last_week")).desc(), "name")[:LIST_SIZE]
    )

    articles = Article.objects.filter(
        Q(published_at__gte=since) | Q(published_at__isnull=True, created_at__gte=since),
        organization=organization,
        duplicate_of__isnull=True,
    ).count()
    week_reports = Report.objects.filter(published_since(since), organization=organization).exclude(
        status=ReportStatus.EXCLUDED
    )
    by_label = dict(
        week_reports.order_by()
        .values_list("sentiment_label")
        .annotate(n=Count("id"))
        .values_list("sentiment_label", "n")
    )
    sentiment = SentimentMix(
        positive=by_label.get("positive", 0),
        neutral=by_label.get("neutral", 0),
        negative=by_label.get("negative", 0),
    )

    queue = review_queue(organization)
    enabled_feeds = Feed.objects.filter(organization=organization, enabled=True)
    feed_counts = enabled_feeds.aggregate(
        enabled=Count("id"),
        failing=Count("id", filter=Q(last_status=FetchStatus.ERROR)),
        unreachable=Count("id", filter=unreachable_q()),
    )
    feeds = enabled_feeds.filter(last_status=FetchStatus.ERROR)
    runs = JobExecution.objects.filter(
        organization=organization, status__in=FAILED_RUN_STATUSES, completed_at__gte=since
    )
    return Briefing(
        since=since,
        articles=articles,
        reports=sum(by_label.values()),
        tracked=tracked_rows,
        tracked_total=tracked_total,
        discovered=discovered,
        jumped=jumped,
        sentiment=sentiment,
        # Without the texts: the briefing is cached (pickled), and the item shows the title.
        to_review=list(
            queue.defer("report__summary", "report__article__text", "report__article__summary")[
                :LIST_SIZE
            ]
        ),
        # Unordered and sliced: PostgreSQL stops once it has cap + 1 rows.
        to_review_total=queue.order_by()[: REVIEW_COUNT_CAP + 1].count(),
        failing_feeds=list(feeds.order_by("-consecutive_failures", "name")[:LIST_SIZE]),
        failing_feeds_total=feed_counts["failing"],
        offline=0 < feed_counts["enabled"] == feed_counts["unreachable"],
        failed_runs=list(runs.select_related("job").order_by("-completed_at")[:LIST_SIZE]),
        failed_runs_total=runs.count(),
        tracked_timeline=_tracked_timeline(organization, tracked_rows, now),
    )


def _tracked_timeline(
    organization: Organization, tracked: list[BrandTrend], now: datetime
) -> "Timeline | None":
    charted = [trend.brand_id for trend in tracked if trend.this_week or trend.last_week]
    if not charted:
        return None
    span = resolve_range(preset=RangePreset.LAST_30_DAYS, time_zone=organization.time_zone, now=now)
    return timeline(organization, charted[:TRACKED_CHARTED], span)


def review_queue(organization: Organization) -> QuerySet[Mention]:
    """High-confidence mentions nobody has reviewed yet, newest published first. Mentions of
    ignored brands and of excluded reports are left out: nobody reads those reports."""
    return (
        Mention.objects.filter(
            organization=organization,
            review_status=ReviewStatus.UNREVIEWED,
            confidence__gte=HIGH_CONFIDENCE,
        )
        .exclude(brand__status=BrandStatus.IGNORED)
        .exclude(report__status=ReportStatus.EXCLUDED)
        .select_related("brand", "report__article")
        .order_by("-mentioned_at", "-id")
    )


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    done: bool
    url: str = ""
    hint: str = ""
    optional: bool = False


@dataclass(frozen=True)
class Checklist:
    steps: list[Step] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(step.done for step in self.steps)

    @property
    def complete(self) -> bool:
        """Every step done, an optional one (the LLM) aside: rules work without it."""
        return all(step.done or step.optional for step in self.steps)


def getting_started(organization: Organization, *, can_invite: bool) -> Checklist | None:
    """The new organization's checklist, each step ticked from data; None once the
    organization hid it or every step is done."""
    from django.urls import reverse

    if organization.getting_started_hidden_at is not None:
        return None
    invited = (
        Membership.objects.filter(organization=organization).count() > 1
        or Invitation.objects.filter(organization=organization).exists()
    )
    checklist = Checklist(
        [
            Step(
                "feeds",
                "Add news feeds or import an OPML file",
                Feed.objects.filter(organization=organization).exists(),
                reverse("feeds:list"),
            ),
            Step(
                "brands",
                "Track the brands you watch",
                Brand.objects.filter(
                    organization=organization, status=BrandStatus.TRACKED
                ).exists(),
                reverse("brands:list") + "?status=tracked",
            ),
            Step(
                "llm",
                "Connect an LLM (optional)",
                llm_configured()
                or OrganizationLLM.objects.filter(
                    organization=organization, source=LLMSource.OWN
                ).exists(),
                reverse("accounts:settings") + "#llm-connection" if can_invite else "",
                hint=(
                    "Owners and admins connect the organization's own LLM account in "
                    "Organization settings, or the operator sets OPENAI_API_KEY (or "
                    "OPENAI_BASE_URL for a local server). Without one, brands are found by "
                    "rules."
                ),
                optional=True,
            ),
            Step(
                "job",
                "Create a job that reads the feeds on a schedule",
                Job.objects.filter(organization=organization).exists(),
                reverse("jobs:list"),
            ),
            Step(
                "invite",
                "Invite a colleague",
                invited,
                reverse("accounts:member_invite") if can_invite else reverse("accounts:settings"),
                hint="" if can_invite else "Owners and admins send invitations.",
            ),
        ]
    )
    return None if checklist.complete else checklist
