"""The one retry policy for calls to outside services: LLM, search APIs, pages.

:func:`call_with_policy` runs ``fn`` under tenacity: exponential backoff with *full jitter*
(``wait_random_exponential``: each wait is uniform in ``[0, min(max_wait, initial * 2**n)]``),
at most ``max_attempts`` attempts and ``max_elapsed`` seconds. A server hint (``Retry-After``,
``retry-after-ms``) replaces the backoff; a hint longer than what is left of the budget ends
the call at once with a :class:`TemporaryFailure` carrying ``retry_after`` (sleeping less than
the server asked would only spend an attempt on another 429). Backoff waits are capped by the
remaining budget.

This is the only retry layer: the openai client must be created with ``max_retries=0`` and
tasks must not add Celery autoretry on top, or attempts multiply.

Every failed attempt is logged once, on the ``resilience`` logger: WARNING when it will be
retried, ERROR for the attempt that ends the call. Calls refused without a request (open
breaker, disabled provider) log one WARNING. ``context`` (``organization_id``, ``feed_id``,
``execution_id`` ...) goes into each record's ``extra``. Callers should not log the raised
error again; record it on their row instead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import tenacity
from django.conf import settings

from resilience.breaker import CircuitOpen, SharedBreaker, breaker_now
from resilience.decision import Action, Classify, Decision, local_time
from resilience.errors import (
    PermanentFailure,
    ProviderQuotaExhausted,
    ProviderUnavailable,
    TemporaryFailure,
)
from resilience.quota import disable_provider, provider_disabled

logger = logging.getLogger("resilience")

T = TypeVar("T")

# LogRecord attributes cannot be passed in ``extra`` (logging raises KeyError).
_RESERVED = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
}


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Waits are seconds; ``initial_wait`` is the first jitter window."""

    max_attempts: int = 4
    max_elapsed: float = 120.0
    initial_wait: float = 1.0
    max_wait: float = 30.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.max_elapsed <= 0 or self.initial_wait <= 0:
            raise ValueError("max_attempts, max_elapsed and initial_wait must be positive")
        if self.max_wait < self.initial_wait:
            raise ValueError("max_wait must be at least initial_wait")

    @classmethod
    def from_settings(cls) -> RetryPolicy:
        """``RETRY_MAX_ATTEMPTS``, ``RETRY_MAX_ELAPSED_SECONDS``, ``RETRY_BACKOFF_MAX_SECONDS``."""
        return cls(
            max_attempts=settings.RETRY_MAX_ATTEMPTS,
            max_elapsed=float(settings.RETRY_MAX_ELAPSED_SECONDS),
            max_wait=float(settings.RETRY_BACKOFF_MAX_SECONDS),
        )


# Page and feed fetches: a short budget; the feed refresh itself reschedules with backoff.
FETCH_POLICY = RetryPolicy(max_attempts=3, max_elapsed=15.0, initial_wait=0.5, max_wait=4.0)


def call_with_policy(
    fn: Callable[[], T],
    *,
    provider: str,
    classify: Classify,
    endpoint: str = "",
    policy: RetryPolicy | None = None,
    breaker: SharedBreaker | None = None,
    context: Mapping[str, object] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    quota_key: str | None = None,
) -> T:
    """Call ``fn()`` until it succeeds or the policy gives up; return its result.

    ``fn`` should be the bare request (one API call), so that what ``classify`` sees is the
    provider's failure and not our own parsing. ``provider`` names the service in logs and is
    the name disabled on a quota stop; ``breaker`` (see :func:`resilience.get_breaker`) guards
    each attempt and counts the failures ``classify`` marks unhealthy. ``policy`` defaults to
    :meth:`RetryPolicy.from_settings`. ``sleep`` and ``clock`` (monotonic seconds) are
    injectable so tests run on a fake clock.

    Raises :class:`TemporaryFailure` (retries used up, or asked to come back later),
    :class:`ProviderUnavailable` (breaker open), :class:`PermanentFailure` (request refused),
    :class:`ProviderQuotaExhausted` (quota; the provider is now disabled for all workers), or
    an exception ``classify`` does not know, unchanged and unlogged.

    ``quota_key`` (default ``provider``) is the name a quota stop disables: an organization's
    own LLM account stops alone, not the installation's.
    """
    call = _Call(
        provider=provider,
        endpoint=endpoint,
        classify=classify,
        policy=policy or RetryPolicy.from_settings(),
        breaker=breaker,
        context=context or {},
        clock=clock,
        quota_key=quota_key,
    )
    call.refuse_if_disabled()
    retrying = tenacity.Retrying(
        sleep=sleep,
        stop=call.stop,
        wait=call.wait,
        retry=tenacity.retry_if_exception(call.should_retry),
        before_sleep=call.log_retry,
        reraise=True,
    )
    try:
        result = retrying(call.attempt, fn)
    except Exception as error:
        final = call.final_error(error)
        count_provider_call(provider, endpoint, _outcome(final), call.attempts)
        if final is error:
            raise
        raise final from error
    count_provider_call(provider, endpoint, "ok", call.attempts)
    return result


def count_provider_call(provider: str, endpoint: str, outcome: str, requests: int) -> None:
    # Imported here: resilience is imported by code that runs before Django's apps are ready.
    from monitoring.metrics import count_provider_call as count

    count(provider, endpoint, outcome, requests)


def _outcome(error: BaseException) -> str:
    """A metrics label for how a call ended: the kind of error it raised, in a fixed set."""
    for kind, label in (
        (ProviderQuotaExhausted, "quota"),
        (ProviderUnavailable, "unavailable"),
        (PermanentFailure, "permanent"),
        (TemporaryFailure, "temporary"),
    ):
        if isinstance(error, kind):
            return label
    return "error"


class stop_after_elapsed(tenacity.stop.stop_base):
    """tenacity's ``stop_after_delay`` on an injectable clock.

    tenacity times attempts with ``time.monotonic()`` itself, which a fake clock cannot move.
    """

    def __init__(self, max_elapsed: float, clock: Callable[[], float]) -> None:
        self.max_elapsed = max_elapsed
        self.clock = clock
        self.started = clock()

    def elapsed(self) -> float:
        return self.clock() - self.started

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return self.elapsed() >= self.max_elapsed


class _Call:
    """The state of one ``call_with_policy``: the last attempt's decision and why it stopped."""

    def __init__(
        self,
        *,
        provider: str,
        endpoint: str,
        classify: Classify,
        policy: RetryPolicy,
        breaker: SharedBreaker | None,
        context: Mapping[str, object],
        clock: Callable[[], float],
        quota_key: str | None = None,
    ) -> None:
        self.provider = provider
        self.quota_key = quota_key or provider
        self.endpoint = endpoint
        self.classify = classify
        self.policy = policy
        self.breaker = breaker
        self.context = context
        self.attempts = 0  # requests sent (attempts the breaker refused are not counted)
        self.decision: Decision | None = None
        self.stopped_by = ""  # "attempts", "elapsed", "hint" or "breaker"
        self.max_attempts = tenacity.stop_after_attempt(policy.max_attempts)
        self.max_elapsed = stop_after_elapsed(policy.max_elapsed, clock)
        self._deadline = policy.max_elapsed + 1e-6  # float slack: a capped wait ends exactly on it
        self.jitter = tenacity.wait_random_exponential(
            multiplier=policy.initial_wait, max=policy.max_wait
        )

    # -- tenacity hooks ---------------------------------------------------------------------

    def attempt(self, fn: Callable[[], T]) -> T:
        self.decision = None
        if self.breaker is None:
            self.attempts += 1
            try:
                return fn()
            except Exception as error:
                self._classify(error)
                raise
        return self.breaker.protect(lambda: self._counted(fn), is_fault=self._is_fault)

    def _counted(self, fn: Callable[[], T]) -> T:
        self.attempts += 1
        return fn()

    def _classify(self, error: BaseException) -> Decision | None:
        self.decision = self.classify(error)
        return self.decision

    def _is_fault(self, error: BaseException) -> bool:
        decision = self._classify(error)
        return decision is not None and decision.unhealthy

    def should_retry(self, error: BaseException) -> bool:
        return self.decision is not None and self.decision.action is Action.RETRY

    def wait(self, retry_state: tenacity.RetryCallState) -> float:
        assert self.decision is not None  # noqa: S101 (only called after should_retry)
        if self.decision.delay is not None:
            return max(0.0, self.decision.delay)  # the stop check refuses one beyond budget
        remaining = self.policy.max_elapsed - self.max_elapsed.elapsed()
        return max(0.0, min(self.jitter(retry_state), remaining))

    def stop(self, retry_state: tenacity.RetryCallState) -> bool:
        decision = self.decision
        cap = decision.max_attempts if decision and decision.max_attempts else None
        if self.max_attempts(retry_state) or (cap and retry_state.attempt_number >= cap):
            self.stopped_by = "attempts"
        elif self.max_elapsed(retry_state):
            self.stopped_by = "elapsed"
        elif self.max_elapsed.elapsed() + retry_state.upcoming_sleep > self._deadline:
            self.stopped_by = "hint"
        elif self.breaker is not None and self.breaker.is_refusing():
            self.stopped_by = "breaker"  # no point sleeping before a refusal
        return bool(self.stopped_by)

    def log_retry(self, retry_state: tenacity.RetryCallState) -> None:
        sleep = retry_state.upcoming_sleep
        self._log_attempt(logging.WARNING, "retry", f"Retrying in {sleep:.1f} s.", retry_in=sleep)

    # -- before and after -------------------------------------------------------------------

    def refuse_if_disabled(self) -> None:
        disabled = provider_disabled(self.quota_key)
        if disabled is None:
            return
        until = local_time(disabled.until)
        message = disabled.reason or f"{self.provider} is disabled until {until}."
        self._log(
            logging.WARNING,
            f"not called: disabled until {disabled.until.isoformat(timespec='seconds')}",
            outcome="disabled",
        )
        raise ProviderQuotaExhausted(message, until=disabled.until, **self._error_fields())

    def final_error(self, error: BaseException) -> BaseException:
        """The exception the caller gets for the error that ended the call (logged here)."""
        if isinstance(error, CircuitOpen):
            return self._refused(error.until)
        decision = self.decision
        if decision is None:
            return error  # not a provider failure: propagate unchanged
        fields = self._error_fields(decision, retry_after=decision.delay)
        if decision.action is Action.STOP_PROVIDER:
            pause = timedelta(seconds=settings.PROVIDER_QUOTA_PAUSE_SECONDS)
            until = decision.until or datetime.now(UTC) + pause
            disable_provider(self.quota_key, until, decision.message)
            shown = until.isoformat(timespec="seconds")
            self._log_attempt(logging.ERROR, "stop-provider", f"Provider disabled until {shown}.")
            return ProviderQuotaExhausted(decision.message, until=until, **fields)
        if decision.action is Action.FAIL:
            self._log_attempt(logging.ERROR, "fail", "Not retried.")
            return PermanentFailure(decision.message, **fields)
        if decision.action is Action.RESCHEDULE:
            self._log_attempt(logging.ERROR, "reschedule", f"Come back in {decision.delay:g} s.")
            return TemporaryFailure(decision.message, **fields)
        if self.stopped_by == "breaker" and self.breaker is not None:
            self._log_attempt(logging.ERROR, "retry", "Giving up: the circuit breaker opened.")
            return self._unavailable(self.breaker.half_opens_at())
        if self.stopped_by == "hint":
            why = f"Asked to wait {decision.delay:g} s, more than the retry budget."
            message = f"{decision.message} It asked us to come back later."
        else:
            plural = "" if self.attempts == 1 else "s"
            why = f"Giving up after {self.attempts} attempt{plural}."
            message = f"{decision.message} Gave up after {self.attempts} attempt{plural}."
        self._log_attempt(logging.ERROR, "retry", why)
        return TemporaryFailure(message, **fields)

    def _refused(self, until: datetime | None) -> ProviderUnavailable:
        shown = until.isoformat(timespec="seconds") if until else "the cooldown ends"
        self._log(logging.WARNING, f"not called: circuit breaker open until {shown}", "refused")
        return self._unavailable(until)

    def _unavailable(self, until: datetime | None) -> ProviderUnavailable:
        now = breaker_now()
        retry_after = max(0.0, (until - now).total_seconds()) if until else None
        when = f"until {local_time(until)}" if until else "for a while"
        return ProviderUnavailable(
            f"Calls to {self.provider} are paused {when} because it kept failing.",
            until=until,
            **self._error_fields(self.decision, retry_after=retry_after),
        )

    # -- logging ----------------------------------------------------------------------------

    def _error_fields(
        self, decision: Decision | None = None, *, retry_after: float | None = None
    ) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "endpoint": self.endpoint,
            "status": decision.status if decision else None,
            "attempts": self.attempts,
            "retry_after": retry_after,
        }

    def _log_attempt(self, level: int, outcome: str, then: str, **extra: object) -> None:
        decision = self.decision
        assert decision is not None  # noqa: S101
        self._log(
            level,
            f"attempt {self.attempts} of {self.policy.max_attempts} failed: "
            f"{decision.message} {then}",
            outcome,
            status=decision.status,
            error_code=decision.code,
            **extra,
        )

    def _log(self, level: int, text: str, outcome: str, **extra: object) -> None:
        fields: dict[str, object] = {
            key: value
            for key, value in self.context.items()
            if key not in _RESERVED and not key.startswith("_")
        }
        fields.update(
            provider=self.provider,
            endpoint=self.endpoint,
            attempt=self.attempts,
            outcome=outcome,
        )
        fields.update(extra)
        fields.setdefault("status", None)
        where = f"{self.provider} {self.endpoint}".strip()
        logger.log(level, "%s: %s", where, text, extra=fields)
