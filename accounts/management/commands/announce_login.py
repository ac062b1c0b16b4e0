"""Print the URL and the demo login once the web server answers.

``make run`` prints the login before the processes start, and the first lines of four
processes push it off the screen. This command runs beside them: it waits until the web
server answers its health check, then prints the URL and login again, and says where the
password is kept (VAR_DIR/demo-admin-password).
"""

import os
import time
import urllib.error
import urllib.request
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.management.commands.seed_demo import password_file, remembered_password
from marketing_hunting.command_args import whole_number

POLL_SECONDS = 0.5


def _answers(url: str) -> bool:
    try:
        # Our own server on a host and port from the environment, never user input.
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
            return response.status < 500
    except urllib.error.HTTPError as error:
        return error.code < 500
    except (OSError, ValueError):
        return False


class Command(BaseCommand):
    help = "Wait until the web server answers, then print its URL and the demo login."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default=os.environ.get("WEB_HOST", "127.0.0.1"))
        parser.add_argument(
            "--port", type=whole_number(1, 65535), default=os.environ.get("WEB_PORT", "8000")
        )
        parser.add_argument(
            "--wait",
            type=whole_number(0, 3600),
            default=120,
            help="Seconds to wait for the web server before giving up (default 120).",
        )
        parser.add_argument("--username", default=os.environ.get("DEMO_ADMIN_USERNAME", "admin"))

    def handle(self, *args: Any, host: str, port: int, wait: int, username: str, **_: Any) -> None:
        base = f"http://{host}:{port}/"
        deadline = time.monotonic() + wait
        while not _answers(base + "healthz"):
            if time.monotonic() >= deadline:
                raise CommandError(
                    f"The web server did not answer on {base} within {wait} s; "
                    "see the web process's lines above."
                )
            time.sleep(POLL_SECONDS)

        user = get_user_model().objects.filter(username=username).first()
        password = remembered_password(user) if user is not None else None
        path = password_file()
        lines = ["", f"  Marketing Hunting is running on {base}"]
        if user is None:
            lines.append(f"  There is no user {username!r}: run manage.py seed_demo.")
        else:
            lines.append(f"  Login: {username}")
            if password:
                lines.append(f"  Password: {password}  (also kept in {path})")
            else:
                lines.append(
                    f"  Password: the one you set (DEMO_ADMIN_PASSWORD); {path} no longer opens it"
                )
        lines += ["  Ctrl-C stops web, worker, beat and collector.", ""]
        self.stdout.write("\n".join(lines))
