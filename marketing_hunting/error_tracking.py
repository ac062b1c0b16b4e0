"""Sentry set-up: which integrations, which release and environment, what is never sent.

Called from the settings when ``SENTRY_DSN`` is set, so the web server, workers, beat and the
collector all report the same way. Personal data is kept out by ``data_collection`` (no user,
cookies, bodies, query strings, SQL parameters or task arguments) and by
:func:`marketing_hunting.scrubbing.scrub_event` over every event and transaction
(docs/operations.md, "Error tracking").
"""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent


def default_release(root: Path = ROOT) -> str:
    """``marketing-hunting@<version>``, plus ``+<commit>`` in a git checkout."""
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    release = f"{project['name']}@{project['version']}"
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],  # noqa: S607
            cwd=root,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return release  # no git (a container image): the package version alone
    return f"{release}+{commit}" if commit else release


def init_error_tracking(
    *, dsn: str, release: str, environment: str, traces_sample_rate: float
) -> None:
    import sentry_sdk
    from django.core.exceptions import ImproperlyConfigured
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration
    from sentry_sdk.integrations.redis import RedisIntegration
    from sentry_sdk.utils import BadDsn, Dsn

    from marketing_hunting.scrubbing import SAFE_HEADERS, scrub_breadcrumb, scrub_event

    try:
        Dsn(dsn)
    except BadDsn as exc:
        # A URL that is not a DSN would otherwise stop every process with a traceback.
        # Named by host and path only: the key in front of "@" is a credential.
        where = urlsplit(dsn).hostname or "?"
        raise ImproperlyConfigured(
            f"SENTRY_DSN for {where} is not a Sentry DSN ({exc}); copy it from the project's "
            "Client Keys page: https://<public key>@<host>/<project id>."
        ) from None

    sentry_sdk.init(
        dsn=dsn,
        release=release,
        environment=environment,
        integrations=[
            DjangoIntegration(),
            CeleryIntegration(),
            # Warnings and up become breadcrumbs, errors become events.
            LoggingIntegration(level=20, event_level=40),
            RedisIntegration(),
        ],
        # Only the integrations above (and the SDK's defaults): the auto-enabled ones would
        # add e.g. the OpenAI integration, whose spans are about article text.
        auto_enabling_integrations=False,
        # What integrations collect in the first place (the SDK's successor to
        # send_default_pii=False): no user, cookies, bodies, query strings, SQL parameters,
        # task arguments or LLM inputs; scrub_event then cleans what remains.
        data_collection={
            "user_info": False,
            "cookies": {"mode": "off"},
            "http_headers": {"request": {"mode": "allowlist", "terms": list(SAFE_HEADERS)}},
            "http_bodies": [],
            "url_query_params": {"mode": "off"},
            "gen_ai": {"inputs": False, "outputs": False},
            "database_query_data": False,
            "queues": False,
        },
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_breadcrumb=scrub_breadcrumb,
        before_send=scrub_event,
        before_send_transaction=scrub_event,
    )
