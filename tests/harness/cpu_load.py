"""A bounded CPU load for proving that the suite passes on a busy machine.

    .venv/bin/python -m tests.harness.cpu_load [--processes 16] [--seconds 900]

Starts ``--processes`` busy-looping processes (stress-style) and stops them all after
``--seconds`` or on Ctrl-C. Local only: it computes, it sends nothing anywhere.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import time


def _spin(until: float) -> None:
    x = 0
    while time.monotonic() < until:
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--processes", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=900.0)
    args = parser.parse_args()
    until = time.monotonic() + args.seconds
    workers = [multiprocessing.Process(target=_spin, args=(until,)) for _ in range(args.processes)]
    for worker in workers:
        worker.start()
    # `kill <pid>` (what a script does when its measurement is over) stops the spinners too:
    # without this the parent died and its children spun on until --seconds ran out. The
    # handler is in place before the line below tells a caller the load is running (a
    # SIGTERM sent on reading it once found the default handler and orphaned the spinners);
    # the spinners, started before it, keep the default and die on terminate().
    signal.signal(signal.SIGTERM, _interrupt)
    print(
        f"{args.processes} busy processes for {args.seconds:.0f} s (pid {os.getpid()})", flush=True
    )
    try:
        for worker in workers:
            worker.join()
    except KeyboardInterrupt:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.join()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    main()
