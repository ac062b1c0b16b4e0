"""The response object and bounded Content-Encoding decoding.

Kept apart from the connection handling in :mod:`outbound.client` so each stays small.
"""

from __future__ import annotations

import codecs
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from urllib3 import HTTPHeaderDict

from outbound.errors import DecodingError, ResponseTooLarge


@dataclass(frozen=True)
class FetchResponse:
    """A complete response. Any status is a response, not an error: callers judge 304/4xx/5xx.

    ``redirects`` lists the URLs that answered with a redirect, in order; ``url`` is the last.
    """

    url: str
    status: int
    headers: HTTPHeaderDict  # case-insensitive; ``getlist`` gives repeated headers
    body: bytes = field(repr=False)  # already decompressed; kept out of logs
    redirects: tuple[str, ...]
    elapsed: float  # seconds, redirects included

    @property
    def content_type(self) -> str | None:
        """The media type in lower case without parameters, e.g. ``"text/html"``."""
        media_type = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        return media_type or None

    @property
    def charset(self) -> str | None:
        for parameter in self.headers.get("Content-Type", "").split(";")[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "charset":
                return value.strip().strip("\"'").strip().lower() or None
        return None

    def retry_after_seconds(self, now: datetime | None = None) -> float | None:
        """Retry-After as seconds from ``now``, from either the seconds or HTTP-date form."""
        value = self.headers.get("Retry-After", "").strip()
        if value.isascii() and value.isdigit():
            return float(value)
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        now = now or datetime.now(UTC)
        # HTTP dates are GMT; a naive "now" is taken to be UTC as well.
        when, now = (d if d.tzinfo else d.replace(tzinfo=UTC) for d in (when, now))
        return max(0.0, (when - now).total_seconds())

    def text(self) -> str:
        """The body as text: BOM, then the declared charset, then UTF-8, then windows-1252."""
        for bom, encoding in _BOMS:
            if self.body.startswith(bom):
                return self.body[len(bom) :].decode(encoding, "replace")
        if self.charset:
            try:
                name = codecs.lookup(self.charset).name
                # As in browsers (WHATWG Encoding), latin-1 and ASCII labels mean windows-1252:
                # servers say iso-8859-1 and send curly quotes and euro signs.
                return self.body.decode(_WHATWG_ALIASES.get(name, name), "replace")
            except LookupError:
                pass  # an unknown or non-text charset: guess instead
        try:
            return self.body.decode("utf-8")
        except UnicodeDecodeError:
            return self.body.decode("cp1252", "replace")


_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_WHATWG_ALIASES = {"iso8859-1": "cp1252", "ascii": "cp1252"}


def format_size(size: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


class BoundedDecoder:
    """Content-Encoding decoding that never produces more than ``limit`` bytes in total.

    zlib's ``max_length`` stops inflating at the cap, so a gzip bomb costs at most ``limit``
    bytes of memory before :class:`ResponseTooLarge`, whatever its compression ratio.
    """

    def __init__(self, encoding: str, limit: int, url: str) -> None:
        self._encoding = encoding.strip().lower()
        self._limit, self._url, self._produced = limit, url, 0
        self._inflater: zlib._Decompress | None = None
        self._seen = bytearray()  # deflate input kept until we know its framing
        self._guessing = self._encoding == "deflate"
        if self._encoding in ("gzip", "x-gzip"):
            self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif self._encoding == "deflate":
            self._inflater = zlib.decompressobj(zlib.MAX_WBITS)  # zlib-wrapped, per RFC 9110
        elif self._encoding not in ("", "identity"):
            raise DecodingError(f"unsupported content encoding {encoding!r}", url)

    def _count(self, data: bytes) -> bytes:
        self._produced += len(data)
        if self._produced > self._limit:
            raise ResponseTooLarge(f"response larger than {format_size(self._limit)}", self._url)
        return data

    def feed(self, data: bytes) -> bytes:
        if self._inflater is None:
            return self._count(data)
        if self._guessing:
            self._seen += data
        try:
            return self._inflate(data)
        except zlib.error:
            if not (self._guessing and self._produced == 0):
                message = f"corrupt {self._encoding} data in the response"
                raise DecodingError(message, self._url) from None
            # Many servers send raw deflate without the zlib header: retry it that way.
            self._guessing = False
            self._inflater = zlib.decompressobj(-zlib.MAX_WBITS)
            return self.feed(bytes(self._seen))

    def _inflate(self, data: bytes) -> bytes:
        out = []
        while data and self._inflater is not None:
            out.append(
                self._count(self._inflater.decompress(data, self._limit - self._produced + 1))
            )
            data = self._inflater.unconsumed_tail
            if self._inflater.eof and self._inflater.unused_data[:2] == b"\x1f\x8b":
                data = self._inflater.unused_data  # a multi-member gzip body: next member
                self._inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self._guessing and len(self._seen) >= 2:
            # The two-byte zlib header was accepted: the framing is settled.
            self._guessing, self._seen = False, bytearray()
        return b"".join(out)

    def finish(self, received_any: bool) -> bytes:
        if self._inflater is None or not received_any:
            return b""  # an empty body (HEAD, 304) needs no decoding
        if not self._inflater.eof:
            raise DecodingError(f"truncated {self._encoding} data in the response", self._url)
        return b""
