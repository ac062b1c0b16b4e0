"""A stand-in worker process for the cross-process breaker test.

Run as ``python -m tests.resilience.breaker_worker``; it reads one JSON command per line on
stdin and answers one JSON line on stdout:

- ``{"op": "fetch", "url": ...}`` -> ``{"status": 200}`` or ``{"error": "HostPaused", ...}``
  (the feed refresh's own path: :func:`resilience.breaker_fetch`);
- ``{"op": "state", "host": ...}`` -> ``{"state": "open", "failures": 3}``.

pybreaker's clock is replaced by one read from the file named by ``FAKE_NOW_FILE`` (epoch
seconds), so the test moves every process's clock at once without sleeping.
"""

import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    import django

    django.setup()

    import pybreaker

    from outbound import FetchError
    from resilience import FEED_HOST, breaker_fetch, get_breaker

    now_file = Path(os.environ["FAKE_NOW_FILE"])

    class FileDatetime(datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
            current = datetime.fromtimestamp(float(now_file.read_text()), UTC)
            return current if tz is None else current.astimezone(tz)

    pybreaker.datetime = FileDatetime  # type: ignore[misc]

    print(json.dumps({"ready": os.getpid()}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        if command["op"] == "fetch":
            try:
                answer: dict[str, object] = {"status": breaker_fetch(command["url"]).status}
            except FetchError as error:
                answer = {"error": type(error).__name__, "message": error.message}
        elif command["op"] == "state":
            breaker = get_breaker(FEED_HOST, command["host"])
            answer = {"state": breaker.current_state, "failures": breaker.fail_counter}
        else:
            answer = {"error": f"unknown op {command['op']!r}"}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
