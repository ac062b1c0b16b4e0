"""A classifier's verdict on one failed attempt, and how it reads server hints.

A classifier (``resilience.classify``) turns a provider's exception into a :class:`Decision`;
the policy (``resilience.policy``) acts on it. Keeping the verdict a plain value makes every
provider's rules testable without a network and lets one policy serve them all.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from django.utils import timezone


class Action(enum.Enum):
    RETRY = "retry"  # try again after a backoff (or the server's hint)
    FAIL = "fail"  # our request was refused: do not send it again
    RESCHEDULE = "reschedule"  # the server named a time to come back: give up now, come back then
    STOP_PROVIDER = "stop-provider"  # quota used up: disable the provider for every worker


@dataclass(frozen=True)
class Decision:
    """What to do after one failed attempt.

    ``message`` is a sentence for people (logs, the organization's screens). ``unhealthy``
    says whether the failure means the *provider* is unwell (timeouts, connection failures,
    5xx, 429), which is what counts toward its circuit breaker; a 4xx caused by our request
    does not. ``delay`` is the server's hint in seconds (``Retry-After``, ``retry-after-ms``),
    ``max_attempts`` caps attempts for this kind of failure below the policy's cap, and
    ``until`` is when a stopped provider may be used again (None: the configured pause).
    """

    action: Action
    message: str
    status: int | None = None
    code: str = ""
    delay: float | None = None
    unhealthy: bool = False
    max_attempts: int | None = None
    until: datetime | None = None

    @classmethod
    def retry(
        cls,
        message: str,
        *,
        status: int | None = None,
        code: str = "",
        delay: float | None = None,
        unhealthy: bool = True,
        max_attempts: int | None = None,
    ) -> Decision:
        return cls(Action.RETRY, message, status, code, delay, unhealthy, max_attempts)

    @classmethod
    def fail(cls, message: str, *, status: int | None = None, code: str = "") -> Decision:
        return cls(Action.FAIL, message, status, code)

    @classmethod
    def reschedule(
        cls, message: str, *, delay: float, status: int | None = None, code: str = ""
    ) -> Decision:
        return cls(Action.RESCHEDULE, message, status, code, delay, unhealthy=True)

    @classmethod
    def stop_provider(
        cls,
        message: str,
        *,
        status: int | None = None,
        code: str = "",
        until: datetime | None = None,
    ) -> Decision:
        return cls(Action.STOP_PROVIDER, message, status, code, until=until)


# Returns None for an exception it does not know: the policy then lets it propagate unchanged
# (a bug in our code is not a provider failure and must not be retried or counted).
Classify = Callable[[BaseException], Decision | None]


def retry_after_seconds(headers: Mapping[str, str], now: datetime | None = None) -> float | None:
    """The server's "come back in" hint in seconds, or None if it gave none we can read.

    OpenAI's ``retry-after-ms`` wins (it is the precise one, and the openai client prefers it
    too); then ``Retry-After`` as seconds or as an HTTP date. ``headers`` must look names up
    case-insensitively (httpx and urllib3 header objects do).
    """
    milliseconds = _number(_header(headers, "retry-after-ms"))
    if milliseconds is not None:
        return milliseconds / 1000
    raw = _header(headers, "retry-after")
    if not raw:
        return None
    seconds = _number(raw)  # RFC 9110 says whole seconds; some servers send "1.5"
    if seconds is not None:
        return seconds
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    now = now or datetime.now(UTC)
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _number(text: str) -> float | None:
    if not text or not text.isascii() or not (text[0].isdigit() or text[0] == "."):
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    return value.strip() if isinstance(value, str) else ""


def local_time(when: datetime) -> str:
    """``HH:MM`` in the site's time zone, for messages such as "paused until 14:05"."""
    return timezone.localtime(when).strftime("%H:%M")
