"""The load generator for busy-machine runs stops all its processes when it is told to."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.harness.waiting import ceiling, wait_for

ROOT = Path(__file__).resolve().parents[2]


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie (a dead child not yet reaped spins no more)."""
    try:
        return (Path(f"/proc/{pid}") / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_terminated_load_stops_its_busy_processes() -> None:
    load = subprocess.Popen(
        [sys.executable, "-m", "tests.harness.cpu_load", "--processes", "2", "--seconds", "600"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "2 busy processes" in (load.stdout.readline() if load.stdout else "")
        spinners = _children(load.pid)
        assert len(spinners) >= 2

        os.kill(load.pid, signal.SIGTERM)
        load.wait(timeout=ceiling(30))

        assert wait_for(lambda: not any(_running(pid) for pid in spinners), 30)
    finally:
        if load.poll() is None:
            load.kill()
        for pid in _children(load.pid):
            os.kill(pid, signal.SIGKILL)


def test_the_load_is_announced_only_once_a_sigterm_would_stop_it(monkeypatch) -> None:
    """The caller sends SIGTERM as soon as it reads the announcement: the handler must be in
    place by then (CI once caught the default handler there, and the spinners outlived it)."""
    from tests.harness import cpu_load

    handlers_at_announcement = []
    monkeypatch.setattr(
        "builtins.print",
        lambda *args, **kwargs: handlers_at_announcement.append(signal.getsignal(signal.SIGTERM)),
    )
    monkeypatch.setattr(sys, "argv", ["cpu_load", "--processes", "0", "--seconds", "1"])
    previous = signal.getsignal(signal.SIGTERM)
    try:
        cpu_load.main()
    finally:
        signal.signal(signal.SIGTERM, previous)

    assert handlers_at_announcement == [cpu_load._interrupt]
