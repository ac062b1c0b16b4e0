"""`make run`'s development .env: written once, read by manage.py, never overriding the
environment."""

import os
import stat
import subprocess
import sys
from pathlib import Path

from marketing_hunting.devenv import read_env_file, write_development_env

ROOT = Path(__file__).resolve().parents[2]


def test_it_writes_debug_and_a_generated_key_once(tmp_path):
    path = tmp_path / ".env"

    assert write_development_env(path) is True
    first = path.read_text()
    assert write_development_env(path) is False

    assert path.read_text() == first  # An existing .env is never touched.
    assert "DEBUG=true" in first.splitlines()
    [key_line] = [line for line in first.splitlines() if line.startswith("SECRET_KEY=")]
    assert len(key_line.removeprefix("SECRET_KEY=")) >= 50
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    other = tmp_path / "other.env"
    write_development_env(other)
    assert other.read_text() != first  # Generated, not a constant.


def test_the_environment_wins_over_the_file(tmp_path, monkeypatch):
    path = tmp_path / ".env"
    path.write_text("MH_DEVENV_SET=from-file\nMH_DEVENV_UNSET=from-file\n")
    monkeypatch.setenv("MH_DEVENV_SET", "from-environment")
    monkeypatch.delenv("MH_DEVENV_UNSET", raising=False)

    read_env_file(path)

    assert os.environ["MH_DEVENV_SET"] == "from-environment"
    assert os.environ["MH_DEVENV_UNSET"] == "from-file"


def test_settings_start_from_the_written_file_without_any_variable(tmp_path):
    """What `manage.py` does on a machine where `make run` ran: no SECRET_KEY or DEBUG in the
    environment, the .env supplies them (without it, the settings refuse to start)."""
    env_file = tmp_path / ".env"
    env = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    env |= {
        "VAR_DIR": str(tmp_path / "var"),
        "DJANGO_SETTINGS_MODULE": "marketing_hunting.settings",
    }
    script = (
        "import sys; from pathlib import Path; from marketing_hunting.devenv import read_env_file;"
        "read_env_file(Path(sys.argv[1])); from django.conf import settings;"
        "print(settings.DEBUG, len(settings.SECRET_KEY))"
    )
    run = [sys.executable, "-c", script, str(env_file)]

    refused = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    subprocess.run(
        [sys.executable, "-m", "marketing_hunting.devenv", str(env_file)], cwd=ROOT, check=True
    )
    started = subprocess.run(run, cwd=ROOT, env=env, capture_output=True, text=True, check=False)

    assert refused.returncode != 0
    assert "SECRET_KEY (or SECRET_KEY_FILE) is required" in refused.stderr
    assert started.returncode == 0, started.stderr
    debug, key_length = started.stdout.split()
    assert debug == "True"
    assert int(key_length) >= 50
