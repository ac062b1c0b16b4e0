"""A bad argument to a management command is one line naming it, not a traceback.

Run as an operator runs them (``manage.py`` in a subprocess): ``call_command`` raises
``CommandError`` from argument parsing either way, which hid that the command line printed a
traceback.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["reanalyse", "--since", "2026-13-45"],
            "argument --since: '2026-13-45' is not a date (use YYYY-MM-DD).",
        ),
        (["seed_demo", "--username", ""], "argument --username: must not be empty."),
        (["collect_logs", "--batch-size", "-5"], "argument --batch-size: -5 is not between 1"),
        (["collect_logs", "--batch-size", "many"], "argument --batch-size: 'many' is not a"),
    ],
)
def test_a_bad_argument_is_one_line_naming_it(arguments, message):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    error_lines = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(error_lines) == 1
    assert message in error_lines[0]
