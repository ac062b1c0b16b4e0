"""The dashboard's briefing, figures and banners, cached per organization and dropped when
their rows change.

They are ~25 queries (weekly counts per brand, the review queue, sentiment, failing feeds,
failed runs, every app's headline figures, the quota banner): ~25 ms of web CPU and ~20 ms of
PostgreSQL per view at 100k reports, the same answer for everyone in the organization until
something they read is written. (The getting-started checklist is not cached: it is gone
once done, and depends on the viewer's role.)

Invalidation: a per-organization *generation* token in the cache. A cached briefing is stored
under (organization, generation); any write to a row the briefing reads sets a new token, so
the next load misses and recomputes. Why this and not signals alone or a TTL alone:

- the writes that matter are mostly bulk (``bulk_create`` of articles and mentions,
  ``QuerySet.update`` of runs and brands, raw SQL for extracted articles), which send no
  signals. So every path bumps: ``post_save``/``post_delete`` for row writes, and
  ``TenantQuerySet.update/bulk_create/bulk_update`` for bulk ones (``accounts.tenancy``) —
  one place that also covers writes added later, in admin actions and commands; the one raw
  SQL writer (``feeds.services.extract``) calls ``briefing_changed`` itself.
- a bump happens **after commit** (``transaction.on_commit``): bumped inside the transaction, a
  concurrent load could take the new token, read the old rows and cache them under it. A
  load reads the token before it reads any row, so whatever it caches is at least as new as
  its token. Several writes of one transaction bump once.
- the token is random, never a counter: a token evicted from the cache can never come back
  and revive a stale briefing stored under an old number.
- the TTL (``DASHBOARD_CACHE_SECONDS``, 60 s) is not the invalidation: it moves the "last
  7 days" window along and bounds the damage of a write path nobody foresaw.

A cache that fails (Redis down) costs the cache, not the page: the briefing is computed.
"""

import logging
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

if TYPE_CHECKING:  # The selectors import every app's models; writers import this module.
    from accounts.models import Organization
    from accounts.registry import Figure
    from accounts.selectors import Briefing

logger = logging.getLogger(__name__)

# The models whose rows the dashboard reads, and per model the fields it does not read (writes
# of only those leave it alone: heartbeats, claims, schedules). Everything else counts.
_IGNORED_FIELDS: dict[str, frozenset[str]] = {
    "accounts.organization": frozenset({"getting_started_hidden_at"}),
    "accounts.membership": frozenset(),
    "accounts.usagedaily": frozenset(),
    # The "LLM connection failing" banner reads failing_since and failure_message only.
    "accounts.organizationllm": frozenset({"tested_at", "test_ok", "test_message", "updated_at"}),
    "contacts.brandcontact": frozenset(),
    "contacts.emaildraft": frozenset(),
    "reports.mention": frozenset(),
    "reports.report": frozenset(),
    "reports.brand": frozenset(),
    # Not on the dashboard, but cached under the same generation (accounts.request_cache):
    # the filter choices read industry and group names, the nav bar's bell the unread alerts.
    "reports.industry": frozenset(),
    "accounts.invitation": frozenset(),  # The getting-started checklist.
    "reports.brandgroup": frozenset(),
    "reports.alertnotification": frozenset(),
    # The "Alert deliveries failed" figure reads the status only.
    "reports.alertdelivery": frozenset(
        {"attempts", "next_attempt_at", "last_attempt_at", "last_error", "response_status"}
    ),
    "feeds.feed": frozenset({"next_fetch_at", "updated_at"}),
    # The articles list's cached rows show the status (accounts.request_cache); extraction
    # writes it with raw SQL and bumps itself, so only a claim (fetched_at) stays silent.
    "feeds.article": frozenset({"fetched_at"}),
    "jobs.job": frozenset({"updated_at"}),
    "jobs.jobexecution": frozenset(
        {
            "heartbeat_at",
            "cancel_requested",
            "task_id",
            "worker_hostname",
            "worker_pid",
            "started_at",
            "feeds_done",
            "feeds_total",
            "feed_articles_done",
            "feed_articles_total",
            "pages_fetched",
            "extracted",
            "new_articles",
            "analysed",
            "reports",
            "errors",
            "copies",
            "excluded",
            "unreadable",
        }
    ),
}


def _generation_key(organization_id: int) -> str:
    return f"dashboard:briefing-generation:{organization_id}"


def _dashboard_key(organization_id: int, generation: str) -> str:
    return f"dashboard:cached:{organization_id}:{generation}"


def watched(model: type[Model], fields: Iterable[str] | None = None) -> bool:
    """Whether writing ``fields`` (None: any field) of ``model`` can change a briefing."""
    ignored = _IGNORED_FIELDS.get(model._meta.label_lower)
    if ignored is None:
        return False
    return fields is None or any(name not in ignored for name in fields)


class _Bump:
    """An on-commit callback that gives one organization a new generation. Equal callbacks
    are registered once per transaction (see ``briefing_changed``)."""

    def __init__(self, organization_id: int) -> None:
        self.organization_id = organization_id

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Bump) and other.organization_id == self.organization_id

    def __hash__(self) -> int:
        return hash(self.organization_id)

    def __call__(self) -> None:
        if not _health.available():
            _health.missed_add({self.organization_id})
            return
        pending = {self.organization_id} | _health.missed_take()
        try:
            while pending:
                organization_id = next(iter(pending))
                cache.set(_generation_key(organization_id), uuid.uuid4().hex, None)
                pending.discard(organization_id)
        except Exception:  # The write is committed; a cache outage must not undo the request.
            logger.warning("Could not mark dashboards %s changed", sorted(pending), exc_info=True)
            _health.failed(missed=pending)


class _CacheHealth:
    """After a cache error this process leaves the cache alone for ``CACHE_RETRY_SECONDS``:
    with Redis frozen every call waits ``REDIS_TIMEOUT`` (3 s), on each dashboard load and
    after each committed write (a worker analysing articles would stall 3 s per article).
    Bumps missed meanwhile are sent with the next one once the cache answers; until then a
    cached dashboard elsewhere is stale by at most its TTL, ``DASHBOARD_CACHE_SECONDS``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._missed: set[int] = set()

    def available(self) -> bool:
        return _clock() >= self._down_until

    def failed(self, *, missed: Iterable[int] = ()) -> None:
        with self._lock:
            self._down_until = _clock() + CACHE_RETRY_SECONDS
            self._missed.update(missed)

    def missed_add(self, organization_ids: Iterable[int]) -> None:
        with self._lock:
            self._missed.update(organization_ids)

    def missed_take(self) -> set[int]:
        with self._lock:
            missed, self._missed = self._missed, set()
        return missed


CACHE_RETRY_SECONDS = 30
_health = _CacheHealth()


def _clock() -> float:
    return time.monotonic()


def briefing_changed(*organization_ids: int | None) -> None:
    """The briefings of these organizations are out of date once the current transaction
    commits (at once outside a transaction)."""
    # Callbacks still pending in this transaction: a rolled-back savepoint has removed its
    # own, so a bump is skipped only when one will really run.
    pending = pending_on_commit()
    for organization_id in set(organization_ids):
        if organization_id is None:
            continue
        bump = _Bump(organization_id)
        if bump not in pending:
            transaction.on_commit(bump)
            pending.append(bump)


@dataclass(frozen=True)
class Dashboard:
    briefing: "Briefing"
    figures: list["Figure"]
    banners: list[tuple[str, dict]]


def _compute(organization: "Organization") -> Dashboard:
    from accounts.registry import dashboard_banners, dashboard_figures
    from accounts.selectors import dashboard_briefing

    return Dashboard(
        briefing=dashboard_briefing(organization),
        figures=dashboard_figures(organization),
        banners=dashboard_banners(organization),
    )


def cache_available() -> bool:
    """False for ``CACHE_RETRY_SECONDS`` after a cache error in this process."""
    return _health.available()


def cache_failed() -> None:
    _health.failed()


def pending_on_commit() -> list[object]:
    """The on-commit callbacks this connection's open transaction still holds."""
    if not connection.in_atomic_block:
        return []
    return [entry[1] for entry in getattr(connection, "run_on_commit", [])]


def changed_uncommitted(organization_id: int) -> bool:
    """Whether this connection wrote rows of the organization that are not committed yet: its
    loads then read them but must not cache what nobody else can see (and may never be)."""
    return _Bump(organization_id) in pending_on_commit()


def generation(organization_id: int) -> str:
    """The organization's current token (made if missing). Raises when the cache does."""
    key = _generation_key(organization_id)
    token = cache.get(key)
    if token is None:
        cache.add(key, uuid.uuid4().hex, None)
        token = cache.get(key)
    return token


def cached_dashboard(organization: "Organization") -> Dashboard:
    """The dashboard's data from the cache when nothing it reads changed since."""
    ttl = settings.DASHBOARD_CACHE_SECONDS
    if not ttl or not _health.available():
        return _compute(organization)
    try:
        # The token is read before any row (see the module's docstring).
        key = _dashboard_key(organization.pk, generation(organization.pk))
        dashboard = cache.get(key)
    except Exception:
        logger.warning("Dashboard cache unavailable; computing the dashboard", exc_info=True)
        _health.failed()
        return _compute(organization)
    if dashboard is None:
        dashboard = _compute(organization)
        try:
            cache.set(key, dashboard, ttl)
        except Exception:
            logger.warning("Could not cache the dashboard", exc_info=True)
            _health.failed()
    return dashboard


def _row_written(
    sender: type[Model], instance: Model, update_fields: Iterable[str] | None = None, **_: object
) -> None:
    if watched(sender, update_fields):
        # An organization's own row (its quota, its name) is its own dashboard's.
        briefing_changed(getattr(instance, "organization_id", instance.pk))


def connect_signals() -> None:
    """Row writes (``save``, ``delete``, the admin, cascades) of the watched models."""
    from django.apps import apps

    for label in _IGNORED_FIELDS:
        model = apps.get_model(label)
        uid = f"accounts.briefing_cache.{label}"
        post_save.connect(_row_written, sender=model, dispatch_uid=f"{uid}.save")
        post_delete.connect(_row_written, sender=model, dispatch_uid=f"{uid}.delete")
