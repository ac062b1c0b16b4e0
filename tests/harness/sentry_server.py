"""A local stand-in for Sentry's ingest endpoint: it keeps the envelopes the SDK really sends.

Point a DSN at it (``receiver.dsn``) and the SDK's own HTTP transport posts envelopes to
``/api/<project>/envelope/`` over a real socket, compressed as it would for sentry.io. Tests
read them back as the raw bytes that crossed the wire (decompressed), so an assertion that a
value is absent covers every field, including ones the test did not think of.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from typing import Any

from tests.harness.http_server import LocalHTTPServer, RecordedRequest, Reply

PROJECT_ID = "1"
ENVELOPE_PATH = f"/api/{PROJECT_ID}/envelope/"


@dataclass(frozen=True)
class Envelope:
    raw: bytes  # decompressed, exactly as serialised by the SDK
    headers: dict[str, Any]
    items: list[tuple[dict[str, Any], bytes]]  # (item header, payload)

    def payloads(self, item_type: str) -> list[dict[str, Any]]:
        return [json.loads(body) for header, body in self.items if header["type"] == item_type]


def decode_body(request: RecordedRequest) -> bytes:
    encoding = request.headers.get("content-encoding", "").lower()
    if encoding == "gzip":
        return gzip.decompress(request.body)
    if encoding == "br":
        import brotli

        return brotli.decompress(request.body)
    return request.body


def parse_envelope(raw: bytes) -> Envelope:
    """Sentry's envelope format: a header line, then items of a header line and a payload."""
    header_line, _, rest = raw.partition(b"\n")
    items = []
    while rest.strip():
        item_line, _, rest = rest.partition(b"\n")
        item_header = json.loads(item_line)
        if "length" in item_header:
            payload, rest = rest[: item_header["length"]], rest[item_header["length"] + 1 :]
        else:
            payload, _, rest = rest.partition(b"\n")
        items.append((item_header, payload))
    return Envelope(raw=raw, headers=json.loads(header_line), items=items)


class SentryReceiver:
    def __init__(self) -> None:
        self.server = LocalHTTPServer()
        self.server.add_route(ENVELOPE_PATH, Reply(status=200, body=b"{}"))

    @property
    def dsn(self) -> str:
        return f"http://public@127.0.0.1:{self.server.port}/{PROJECT_ID}"

    def envelopes(self) -> list[Envelope]:
        return [
            parse_envelope(decode_body(request))
            for request in self.server.requests_to(ENVELOPE_PATH)
        ]

    def events(self) -> list[tuple[Envelope, dict[str, Any]]]:
        """Every error event received, with the envelope that carried it."""
        return [(env, event) for env in self.envelopes() for event in env.payloads("event")]

    def close(self) -> None:
        self.server.close()
