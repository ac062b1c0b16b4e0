"""Usage per organization per UTC day (and month), counted from the rows where each fact lives.

| figure | read from | index used |
|---|---|---|
| articles fetched | feeds.Article.created_at | article_org_created_idx |
| articles analysed | reports.Report.analysed_at | report_org_analysed_idx |
| LLM calls, tokens, cost, economy saving | accounts.UsageDaily | unique_usage_day |
| LLM tokens and cost by model | usage.ModelUsageDay | unique_model_usage_day |
| discovery searches | contacts.DiscoveryRun.created_at | its organization index |
| emails drafted / sent | contacts.EmailDraft.created_at / sent_at | its organization index |
| active users | usage.ActiveUserDay | unique_active_user_day |

One grouped query per row kind whatever the range (8 in all, for one organization or all of
them: the operators' page passes ``organization_ids=None``). Days are UTC days, as the cost
ledger (UsageDaily) and the billing records are: a bill cannot move with a time zone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate, TruncMonth

from accounts.models import UsageDaily
from contacts.models import BrandContact, DiscoveryRun, EmailDraft
from feeds.models import Article
from reports.models import Mention, Report
from usage.models import ActiveUserDay, ModelUsageDay

# (key, heading) in the order of the table and the CSV.
COUNTED = [
    ("articles_fetched", "Articles fetched"),
    ("articles_analysed", "Articles analysed"),
    ("llm_calls", "LLM calls"),
    ("cache_hits", "LLM cache hits"),
    ("tokens_in", "LLM tokens in"),
    ("tokens_out", "LLM tokens out"),
    ("cost", "LLM cost (USD)"),
    ("batch_calls", "Economy answers"),
    ("batch_saved", "Economy saving (USD)"),
    ("discovery_searches", "Discovery searches"),
    ("emails_drafted", "Emails drafted"),
    ("emails_sent", "Emails sent"),
    ("active_users", "Active users"),
]
MONEY = {"cost", "batch_saved"}
# Bytes per word of stored article text: the storage estimate reads word counts (an integer
# column) rather than the text itself, which would mean reading every article's text.
BYTES_PER_WORD = 6


@dataclass
class ModelCounts:
    llm_calls: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    cost: Decimal = Decimal(0)

    @property
    def tokens(self) -> int:
        return self.tokens_in + self.tokens_out

    def add(self, other: ModelCounts) -> None:
        self.llm_calls += other.llm_calls
        self.tokens_in += other.tokens_in
        self.tokens_out += other.tokens_out
        self.cost += other.cost


@dataclass
class Usage:
    """The figures of one organization over one period (a day, a month, a range)."""

    counts: dict[str, int | Decimal] = field(
        default_factory=lambda: {key: Decimal(0) if key in MONEY else 0 for key, _ in COUNTED}
    )
    by_model: dict[str, ModelCounts] = field(default_factory=dict)

    def __getitem__(self, key: str) -> int | Decimal:
        return self.counts[key]

    @property
    def tokens(self) -> int:
        return int(self.counts["tokens_in"]) + int(self.counts["tokens_out"])

    def add(self, other: Usage, *, active_users: bool = True) -> None:
        for key, _ in COUNTED:
            if key != "active_users" or active_users:
                self.counts[key] += other.counts[key]
        for model, counts in other.by_model.items():
            self.by_model.setdefault(model, ModelCounts()).add(counts)


# organization id -> period start -> figures
UsageTable = dict[int, dict[date, Usage]]


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time.min, tzinfo=UTC),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
    )


def _scoped(queryset: QuerySet, organization_ids: Iterable[int] | None) -> QuerySet:
    if organization_ids is None:
        return queryset
    return queryset.filter(organization_id__in=list(organization_ids))


def _count_by_day(
    queryset: QuerySet, stamp: str, start: date, end: date, ids: Iterable[int] | None
) -> Iterable[tuple[int, date, int]]:
    low, high = _bounds(start, end)
    rows = (
        _scoped(queryset, ids)
        .filter(**{f"{stamp}__gte": low, f"{stamp}__lt": high})
        .annotate(day=TruncDate(stamp, tzinfo=UTC))
        .values("organization_id", "day")
        .annotate(n=Count("id"))
        .order_by()
    )
    return ((row["organization_id"], row["day"], row["n"]) for row in rows)


def usage_by_day(
    *, start: date, end: date, organization_ids: Iterable[int] | None = None
) -> UsageTable:
    """Each organization's figures per UTC day from ``start`` to ``end`` (inclusive); days
    with nothing are absent. ``organization_ids=None``: every organization."""
    ids = None if organization_ids is None else list(organization_ids)
    table: UsageTable = defaultdict(lambda: defaultdict(Usage))

    counted = [
        (Article.objects.all(), "created_at", "articles_fetched"),
        (Report.objects.all(), "analysed_at", "articles_analysed"),
        (DiscoveryRun.objects.all(), "created_at", "discovery_searches"),
        (EmailDraft.objects.all(), "created_at", "emails_drafted"),
        (EmailDraft.objects.filter(sent=True), "sent_at", "emails_sent"),
    ]
    for queryset, stamp, key in counted:
        for org_id, day, n in _count_by_day(queryset, stamp, start, end, ids):
            table[org_id][day].counts[key] = n

    ledger = _scoped(UsageDaily.objects.filter(date__gte=start, date__lte=end), ids).values(
        "organization_id",
        "date",
        "llm_calls",
        "cache_hits",
        "tokens_in",
        "tokens_out",
        "cost",
        "batch_calls",
        "batch_saved",
    )
    for row in ledger:
        counts = table[row["organization_id"]][row["date"]].counts
        for key in ("llm_calls", "cache_hits", "tokens_in", "tokens_out", "batch_calls"):
            counts[key] = row[key]
        counts["cost"] = Decimal(row["cost"])
        counts["batch_saved"] = Decimal(row["batch_saved"])

    models = _scoped(ModelUsageDay.objects.filter(date__gte=start, date__lte=end), ids).values(
        "organization_id", "date", "model", "llm_calls", "tokens_in", "tokens_out", "cost"
    )
    for row in models:
        table[row["organization_id"]][row["date"]].by_model[row["model"]] = ModelCounts(
            row["llm_calls"], row["tokens_in"], row["tokens_out"], Decimal(row["cost"])
        )

    active = (
        _scoped(ActiveUserDay.objects.filter(date__gte=start, date__lte=end), ids)
        .values("organization_id", "date")
        .annotate(n=Count("id"))
        .order_by()
    )
    for row in active:
        table[row["organization_id"]][row["date"]].counts["active_users"] = row["n"]
    return {org: dict(days) for org, days in table.items()}


def active_users_by_month(
    *, start: date, end: date, organization_ids: Iterable[int] | None = None
) -> dict[int, dict[date, int]]:
    """Distinct members active per calendar month (a month's figure is not the sum of its
    days: the same member counts once)."""
    rows = (
        _scoped(ActiveUserDay.objects.filter(date__gte=start, date__lte=end), organization_ids)
        .annotate(month=TruncMonth("date"))
        .values("organization_id", "month")
        .annotate(n=Count("user_id", distinct=True))
        .order_by()
    )
    result: dict[int, dict[date, int]] = defaultdict(dict)
    for row in rows:
        month = row["month"]
        month = month.date() if isinstance(month, datetime) else month
        result[row["organization_id"]][month] = row["n"]
    return dict(result)


def active_users_in_range(
    *, start: date, end: date, organization_ids: Iterable[int] | None = None
) -> dict[int, int]:
    rows = (
        _scoped(ActiveUserDay.objects.filter(date__gte=start, date__lte=end), organization_ids)
        .values("organization_id")
        .annotate(n=Count("user_id", distinct=True))
        .order_by()
    )
    return {row["organization_id"]: row["n"] for row in rows}


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def by_month(days: dict[date, Usage], active: dict[date, int]) -> dict[date, Usage]:
    """Days summed into calendar months, with each month's distinct active members."""
    months: dict[date, Usage] = defaultdict(Usage)
    for day, usage in days.items():
        months[month_start(day)].add(usage, active_users=False)
    for month, n in active.items():
        months[month].counts["active_users"] = n
    return dict(months)


def total(periods: Iterable[Usage], active_users: int) -> Usage:
    result = Usage()
    for usage in periods:
        result.add(usage, active_users=False)
    result.counts["active_users"] = active_users
    return result


@dataclass(frozen=True)
class Storage:
    articles: int
    reports: int
    mentions: int
    contacts: int
    text_bytes: int  # estimated from word counts


def storage_now(organization_id: int) -> Storage:
    """What the organization keeps today (counts from the organization indexes; the text size
    from word counts)."""
    articles = Article.objects.filter(organization_id=organization_id).aggregate(
        n=Count("id"), words=Sum("word_count")
    )
    return Storage(
        articles=articles["n"],
        reports=Report.objects.filter(organization_id=organization_id).count(),
        mentions=Mention.objects.filter(organization_id=organization_id).count(),
        contacts=BrandContact.objects.filter(organization_id=organization_id).count(),
        text_bytes=(articles["words"] or 0) * BYTES_PER_WORD,
    )
