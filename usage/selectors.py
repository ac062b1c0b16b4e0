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

from accounts.models import Organization, UsageDaily
from contacts.models import DiscoveryRun, EmailDraft
from feeds.models import Article
from reports.models import Report
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
    *,
    start: date,
    end: date,
    organization_ids: Iterable[int] | None = None,
    closed_records: bool = True,
) -> UsageTable:
    """Each organization's figures per UTC day from ``start`` to ``end`` (inclusive); days
    with nothing are absent. ``organization_ids=None``: every organization.

    A day whose billing usage record is closed is read from that record (the same counts,
    fixed at the day's close: what was billed); only the days after the last closed one are
    counted from the rows, so a year's page reads a year of records and a day of rows.
    ``closed_records=False`` counts every day from the rows (the record's own count)."""
    ids = None if organization_ids is None else list(organization_ids)
    if not closed_records:
        return _count_live(start, end, ids)
    from billing.models import UsageRecord

    records = list(
        _scoped(
            UsageRecord.objects.filter(date__gte=start, date__lte=end, closed_at__isnull=False),
            ids,
        ).order_by()
    )
    closed = {(record.organization_id, record.date) for record in records}
    last_closed: dict[int, date] = {}
    for org_id, day in closed:
        last_closed[org_id] = max(day, last_closed.get(org_id, day))
    # Count from the rows from the first day some organization has no closed record for: the
    # day after its last closed one, or (none in the range) the day it was created.
    created = _scoped(Organization.objects.all(), None)
    if ids is not None:
        created = created.filter(pk__in=ids)
    live_start = end + timedelta(days=1)
    for org_id, made in created.values_list("pk", "created_at"):
        first_open = (
            last_closed[org_id] + timedelta(days=1) if org_id in last_closed else made.date()
        )
        live_start = min(live_start, max(start, first_open))
    table = _count_live(live_start, end, ids) if live_start <= end else {}
    result: UsageTable = defaultdict(dict)
    for org_id, days in table.items():
        for day, usage in days.items():
            if (org_id, day) not in closed:
                result[org_id][day] = usage
    for record in records:
        result[record.organization_id][record.date] = _from_record(record)
    return dict(result)


def _from_record(record: object) -> Usage:
    usage = Usage()
    counts = usage.counts
    for key, field_name in (
        ("articles_fetched", "articles_fetched"),
        ("articles_analysed", "articles_analysed"),
        ("llm_calls", "llm_calls"),
        ("cache_hits", "llm_cache_hits"),
        ("tokens_in", "llm_tokens_in"),
        ("tokens_out", "llm_tokens_out"),
        ("batch_calls", "llm_batch_calls"),
        ("discovery_searches", "discovery_searches"),
        ("emails_drafted", "emails_drafted"),
        ("emails_sent", "emails_sent"),
        ("active_users", "active_users"),
    ):
        counts[key] = getattr(record, field_name)
    counts["cost"] = Decimal(record.llm_cost)
    counts["batch_saved"] = Decimal(record.llm_batch_saved)
    for model, values in (record.by_model or {}).items():
        usage.by_model[model] = ModelCounts(
            values["llm_calls"], values["tokens_in"], values["tokens_out"], Decimal(values["cost"])
        )
    return usage


def _count_live(start: date, end: date, ids: list[int] | None) -> UsageTable:
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
    text_bytes: int  # estimated from word counts
    as_of: date | None  # the closed day it was read at; None: counted now


def storage_now(organization_id: int) -> Storage:
    """What the organization keeps: as of its last closed usage record (one indexed read),
    or counted now when it has none yet (a new organization: little to count)."""
    from billing.models import UsageRecord

    record = (
        UsageRecord.objects.filter(organization_id=organization_id, closed_at__isnull=False)
        .order_by("-date")
        .values("date", "storage_articles", "storage_bytes")
        .first()
    )
    if record is not None:
        return Storage(record["storage_articles"], record["storage_bytes"], record["date"])
    articles = Article.objects.filter(organization_id=organization_id).aggregate(
        n=Count("id"), words=Sum("word_count")
    )
    return Storage(articles["n"], (articles["words"] or 0) * BYTES_PER_WORD, None)
