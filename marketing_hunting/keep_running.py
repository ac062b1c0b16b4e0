"""Run a command and start it again when it exits, so one process of `make run` cannot take
the others down.

honcho stops every process as soon as one exits: a worker that died in a Redis outage took the
web, beat and the collector with it, and the site went down. Each Procfile line runs under
this supervisor instead: a command that exits is started again after a pause that doubles up
to 30 s (reset after a minute of good health), and the console says so. SIGTERM and SIGINT (Ctrl-C,
honcho stopping) are passed on to the command, and the supervisor exits when it does.

    python -m marketing_hunting.keep_running <command> [args...]
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Sequence

FIRST_PAUSE = 1.0
MAX_PAUSE = 30.0
HEALTHY_AFTER = 60.0  # Seconds of running that reset the pause to FIRST_PAUSE.


def supervise(command: Sequence[str], *, sleep=time.sleep) -> int:
    stopping = False
    child: subprocess.Popen | None = None

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        if child is not None and child.poll() is None:
            child.send_signal(signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    pause = FIRST_PAUSE
    name = command[0].rsplit("/", 1)[-1]
    while True:
        started = time.monotonic()
        child = subprocess.Popen(command)  # noqa: S603 - the Procfile's own command
        code = child.wait()
        if stopping:
            return 0
        if time.monotonic() - started > HEALTHY_AFTER:
            pause = FIRST_PAUSE
        print(
            f"keep_running: {name} exited with code {code}; starting it again in {pause:.0f} s "
            "(the other processes keep running)",
            file=sys.stderr,
            flush=True,
        )
        deadline = time.monotonic() + pause
        while not stopping and time.monotonic() < deadline:
            sleep(0.1)
        if stopping:
            return 0
        pause = min(pause * 2, MAX_PAUSE)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python -m marketing_hunting.keep_running <command> [args...]")
    sys.exit(supervise(sys.argv[1:]))
