"""The LLM connection an analysis or a draft uses, and the process's shared clients.

The installation's connection comes from the settings (``OPENAI_*``); an organization's own
from ``accounts.llm_connection.connection_for``. Clients are made with ``max_retries=0``
(the project's one retry policy retries) and the deadline transport (one deadline per call).
"""

import hashlib
import os
from dataclasses import dataclass, field
from functools import lru_cache

import openai
from django.conf import settings

from outbound.llm_transport import DeadlineTransport


@dataclass(frozen=True)
class LLMConnection:
    """Where an analysis sends its requests: the installation's connection (settings), or an
    organization's own (``accounts.llm_connection.connection_for``)."""

    api_key: str | None = field(repr=False)  # never in a repr, a log line or a traceback
    base_url: str | None
    model: str
    # Set for an organization's own connection: its breaker, quota stop and budget are its
    # own, and its base URL (tenant input) goes through the outbound address policy.
    organization_id: int | None = None
    # The connection was failing when loaded: the next answer clears the dashboard's banner.
    failing: bool = False

    @property
    def own(self) -> bool:
        return self.organization_id is not None

    @property
    def scope(self) -> str:
        """The breaker and quota-stop name (``resilience.call_openai``)."""
        return f"org-{self.organization_id}" if self.own else "default"

    @property
    def account(self) -> str | None:
        """The provider budget's account: None (the installation's, per endpoint) or a hash of
        the organization's endpoint and key (its own account has its own limits)."""
        if not self.own:
            return None
        seed = f"{self.base_url or ''}|{self.api_key or ''}"
        return "org-" + hashlib.sha256(seed.encode()).hexdigest()[:12]

    @property
    def cache_model(self) -> str:
        """The model name in the answer cache's key: an own server's "llama3" is not
        OpenAI's."""
        return f"{self.model}@{self.base_url}" if self.own and self.base_url else self.model


SECRET_MASK = "••••"  # noqa: S105 (what stands in for a secret, not one)


def scrub_error(error: openai.APIStatusError, secret: str | None) -> None:
    """Take ``secret`` out of a provider error's message and body, in place (the class, the
    status and the code stay, so the retry policy classifies it as before)."""
    if not secret or len(secret) < 4:
        return
    error.message = error.message.replace(secret, SECRET_MASK)
    error.args = tuple(
        arg.replace(secret, SECRET_MASK) if isinstance(arg, str) else arg for arg in error.args
    )
    body = error.body
    if isinstance(body, dict):
        error.body = {
            key: value.replace(secret, SECRET_MASK) if isinstance(value, str) else value
            for key, value in body.items()
        }


def installation_connection(model: str | None = None) -> LLMConnection:
    return LLMConnection(
        api_key=settings.OPENAI_API_KEY,
        base_url=settings.OPENAI_BASE_URL,
        model=model or settings.OPENAI_MODEL,
    )


def make_client(connection: LLMConnection | None = None) -> openai.OpenAI:
    """The process's client for an LLM connection (the installation's by default). One per
    process and connection, shared by the analysis threads (httpx clients are thread-safe,
    and the deadline transport keeps its deadline per thread): building one loads the CA
    bundle into a TLS context, tens of milliseconds each, and a shared one reuses its
    keep-alive connections."""
    connection = connection or installation_connection()
    return _client(
        os.getpid(),  # never a client made before a fork: its connections are the parent's
        connection.api_key,
        connection.base_url,
        float(settings.LLM_TIMEOUT),
        connection.own,
    )


@lru_cache(maxsize=64)
def _client(
    pid: int, api_key: str | None, base_url: str | None, timeout: float, guarded: bool = False
) -> openai.OpenAI:
    return openai.OpenAI(
        api_key=api_key or "not-needed",  # Local servers ignore the key.
        base_url=base_url or None,
        timeout=timeout,
        max_retries=0,
        # The timeout becomes one deadline per call: httpx alone restarts it on every byte.
        # No proxy from the environment: its transport would not keep the deadline (the
        # outbound client ignores those variables too). An organization's own base URL is
        # guarded by the outbound address policy.
        http_client=openai.DefaultHttpxClient(
            transport=DeadlineTransport(guarded=guarded), trust_env=False
        ),
    )


def llm_configured() -> bool:
    return bool(settings.OPENAI_API_KEY or settings.OPENAI_BASE_URL)
