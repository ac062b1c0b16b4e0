"""Errors raised by the outbound HTTP client.

Every failure is a :class:`FetchError`, so callers (feed refresh, article fetch, discovery,
webhooks) need one ``except`` clause and can show ``error.message`` to a user as it is.
Non-2xx HTTP statuses are not errors: they come back as responses for callers to judge.
"""

from __future__ import annotations


class FetchError(Exception):
    """Base class: ``message`` is a user-facing sentence, ``url`` the URL being fetched."""

    def __init__(self, message: str, url: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.url = url

    def __str__(self) -> str:
        return self.message


class InvalidURL(FetchError):
    """Not an http(s) URL we are willing to fetch (scheme, credentials, host)."""


class BlockedAddress(FetchError):
    """The host resolves to an address the policy refuses (loopback, private, ...)."""


class ConnectionFailed(FetchError):
    """DNS failure, refused connection, TLS failure or a connection dropped mid-response."""


class FetchTimeout(FetchError):
    """The connect, read or total time limit was exceeded."""


class TooManyRedirects(FetchError):
    """A redirect loop, or more redirects than allowed."""


class ResponseTooLarge(FetchError):
    """The body (raw or decompressed) is bigger than the byte cap."""


class DecodingError(FetchError):
    """The body claims a content encoding but cannot be decoded with it."""
