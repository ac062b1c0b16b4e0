"""The one outbound HTTP client of the app: feeds, article pages, discovery, webhooks.

Every request goes through :func:`fetch`, which refuses non-public addresses (after DNS and
on every redirect), caps size and time, decompresses within the cap and sends an honest
User-Agent. Reads ``OUTBOUND_ALLOW_PRIVATE_ADDRESSES``, ``OUTBOUND_MAX_BYTES`` and
``OUTBOUND_USER_AGENT`` from Django settings at call time.
"""

from outbound.addresses import check_url
from outbound.client import fetch
from outbound.errors import (
    BlockedAddress,
    ConnectionFailed,
    DecodingError,
    FetchError,
    FetchTimeout,
    InvalidURL,
    ResponseTooLarge,
    TooManyRedirects,
)
from outbound.response import FetchResponse

__all__ = [
    "BlockedAddress",
    "ConnectionFailed",
    "DecodingError",
    "FetchError",
    "FetchResponse",
    "FetchTimeout",
    "InvalidURL",
    "ResponseTooLarge",
    "TooManyRedirects",
    "check_url",
    "fetch",
]
