"""Start-up as an operator sees it: `manage.py` in a fresh process with a given environment."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-key-0123456789-abcdefghijklmnop",
    "ALLOWED_HOSTS": "mh.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://mh.example.com",
    "TRUST_X_FORWARDED_PROTO": "true",
}


def manage(*args: str, env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    # Start from a clean environment: only what the operator would set, plus the basics.
    base = {key: os.environ[key] for key in ("PATH", "HOME", "DATABASE_URL") if key in os.environ}
    base["VAR_DIR"] = str(tmp_path)
    base["DJANGO_SETTINGS_MODULE"] = "marketing_hunting.settings"
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("DEBUG", "ture", "DEBUG='ture' is not a boolean"),
        ("DATABASE_URL", "mysql://db/app", "DATABASE_URL='mysql://db/app' is not a valid URL"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL='localhost:6379' is not a valid URL"),
        ("TIME_ZONE", "Europe/Pariss", "TIME_ZONE='Europe/Pariss' is not a known time zone"),
        ("EMAIL_PORT", "25x", "EMAIL_PORT='25x' is not a whole number"),
        ("LOGIN_FAILURE_LIMIT", "0", "LOGIN_FAILURE_LIMIT=0 is below the minimum of 1"),
        ("LLM_REQUESTS_PER_MINUTE", "fast", "LLM_REQUESTS_PER_MINUTE='fast' is not a whole"),
        ("LLM_CONCURRENCY", "0", "LLM_CONCURRENCY=0 is below the minimum of 1"),
        ("ALERT_RETENTION_DAYS", "5", "ALERT_RETENTION_DAYS=5 is below the minimum of 30"),
        (
            "DIGEST_DELIVERY_RETENTION_DAYS",
            "3",
            "DIGEST_DELIVERY_RETENTION_DAYS=3 is below the minimum of 7",
        ),
        (
            "OPERATOR_ALERT_EMAILS",
            "ops@example.com, on call",
            "OPERATOR_ALERT_EMAILS: not an email address: 'on call'",
        ),
        (
            "WORKER_SEEN_WITHIN_SECONDS",
            "30",  # the heartbeat's default is 20 s
            "WORKER_SEEN_WITHIN_SECONDS must be at least three times WORKER_HEARTBEAT_SECONDS",
        ),
        ("SENTRY_TRACES_SAMPLE_RATE", "5%", "SENTRY_TRACES_SAMPLE_RATE='5%' is not a number"),
        ("SENTRY_TRACES_SAMPLE_RATE", "1.5", "SENTRY_TRACES_SAMPLE_RATE='1.5' is not a number"),
        ("SENTRY_DSN", "sentry.example.com/1", "SENTRY_DSN='sentry.example.com/1' is not a"),
        ("SENTRY_DSN", "https://sentry.example.com/", "SENTRY_DSN for sentry.example.com is not"),
    ],
)
def test_an_invalid_value_stops_start_up_with_a_message_naming_it(
    tmp_path, variable, value, message
):
    env = {**PRODUCTION, variable: value}
    if variable == "EMAIL_PORT":
        env["EMAIL_HOST"] = "smtp.example.com"

    result = manage("check", env=env, tmp_path=tmp_path)

    assert result.returncode == 2
    assert f"Configuration error: {message}" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_without_a_secret_key_refuses_to_start(tmp_path):
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}

    result = manage("check", env=env, tmp_path=tmp_path)

    assert result.returncode == 2
    assert "SECRET_KEY (or SECRET_KEY_FILE) is required when DEBUG is off" in result.stderr


def test_check_deploy_is_clean_with_production_values(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION, tmp_path=tmp_path
    )

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout
