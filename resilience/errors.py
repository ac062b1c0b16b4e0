"""What a call through the resilience policy raises when it does not succeed.

Callers catch one hierarchy. ``message`` is a sentence fit to show to the organization;
the provider's own exception is kept as ``__cause__`` for logs and debugging.

- :class:`TemporaryFailure`: worth trying again later (``retry_after`` seconds, if known).
  Raised when the retries are used up, or when the service asked us to come back later than
  the policy's budget allows (a long ``Retry-After``), or for a "reschedule" decision.
- :class:`ProviderUnavailable` (a :class:`TemporaryFailure`): the provider's circuit breaker
  is open; no request was sent.
- :class:`PermanentFailure`: the provider refused *our request* (400/401/403/404 ...);
  retrying the same request cannot help.
- :class:`ProviderQuotaExhausted`: the account's quota is used up; the provider is disabled
  for every worker until ``until``. Show the message to the organization and stop the job.
"""

from __future__ import annotations

from datetime import datetime


class ProviderError(Exception):
    """Base class. ``attempts`` counts the requests actually sent for this call."""

    def __init__(
        self,
        message: str,
        *,
        provider: str,
        endpoint: str = "",
        status: int | None = None,
        attempts: int = 0,
        retry_after: float | None = None,
        until: datetime | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.provider = provider
        self.endpoint = endpoint
        self.status = status
        self.attempts = attempts
        self.retry_after = retry_after
        self.until = until  # when the provider may be called again (breaker, quota)

    def __str__(self) -> str:
        return self.message


class TemporaryFailure(ProviderError):
    """The call failed for a reason that may pass; ``retry_after`` says when, if known."""


class ProviderUnavailable(TemporaryFailure):
    """The provider's circuit breaker is open: refused without a request until ``until``."""


class PermanentFailure(ProviderError):
    """The provider refused the request itself; sending it again would fail the same way."""


class ProviderQuotaExhausted(ProviderError):
    """The provider's quota is used up; it stays disabled for all workers until ``until``."""
