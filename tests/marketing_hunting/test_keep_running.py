"""One process of `make run` exiting does not take the others down: each Procfile line runs
under a supervisor that starts it again, and stops it with honcho."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CEILING_SECONDS = 60.0

# Crashes on its first start (as the worker did in a Redis outage), runs on its second.
CHILD = """
import os, sys, time
runs = sys.argv[1]
count = len(open(runs).read()) if os.path.exists(runs) else 0
open(runs, "a").write("x")
with open(sys.argv[2], "w") as pid:
    pid.write(str(os.getpid()))
if count == 0:
    sys.exit(1)
time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _wait(condition, what: str) -> None:
    deadline = time.monotonic() + CEILING_SECONDS
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


def test_a_crashed_process_is_started_again_and_stops_with_its_supervisor(tmp_path):
    runs, pid_file = tmp_path / "runs", tmp_path / "pid"
    child_command = [sys.executable, "-c", CHILD, str(runs), str(pid_file)]
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "marketing_hunting.keep_running", *child_command],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait(lambda: runs.exists() and runs.read_text() == "xx", "the child was not restarted")
        _wait(lambda: pid_file.read_text().strip().isdigit(), "no pid")
        child = int(pid_file.read_text())
        _wait(lambda: _alive(child), "the second child is not running")

        supervisor.send_signal(signal.SIGTERM)  # What honcho does on Ctrl-C.
        code = supervisor.wait(timeout=CEILING_SECONDS)
    finally:
        if supervisor.poll() is None:
            supervisor.kill()

    assert code == 0
    _wait(lambda: not _alive(child), "the child outlived its supervisor")
    said = supervisor.stderr.read()
    assert "exited with code 1; starting it again in 1 s (the other processes keep running)" in said


def test_every_procfile_process_runs_under_the_supervisor():
    lines = [line for line in (ROOT / "Procfile").read_text().splitlines() if line.strip()]

    assert {line.split(":", 1)[0] for line in lines} == {"web", "worker", "beat", "collector"}
    for line in lines:
        assert (
            line.split(":", 1)[1]
            .strip()
            .startswith(".venv/bin/python -m marketing_hunting.keep_running ")
        )
