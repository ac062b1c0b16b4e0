"""The development ``.env`` that ``make run`` writes, and reading it outside honcho.

``make run`` starts its processes through honcho, which reads ``.env``; ``manage.py`` run by
hand did not, so it refused to start ("SECRET_KEY is required") on the machine the app was
running on. ``make run`` now writes a development ``.env`` (``DEBUG=true`` and a generated
``SECRET_KEY``) when there is none, and ``manage.py`` reads the same file. Variables already in
the environment win, as with honcho. Production sets its variables itself and never runs
``make run``, so it still refuses a missing key.

    python -m marketing_hunting.devenv .env    # write it unless it exists
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from dotenv import load_dotenv

TEMPLATE = """\
# Written by `make run` for development on this machine; manage.py and make run read it.
# Production: set real values (see .env.example) and DEBUG=false.
DEBUG=true
SECRET_KEY={secret_key}
"""


def write_development_env(path: Path) -> bool:
    """Write a development ``.env`` at ``path`` unless one exists; True if written."""
    if path.exists():
        return False
    path.write_text(TEMPLATE.format(secret_key=secrets.token_urlsafe(50)), encoding="utf-8")
    path.chmod(0o600)  # It holds a secret.
    return True


def read_env_file(path: Path) -> None:
    """Put ``path``'s variables into the environment, leaving variables already set alone."""
    if path.is_file():
        load_dotenv(path, override=False)


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else ".env")
    if write_development_env(target):
        print(f"Wrote {target} (development settings: DEBUG=true, a generated SECRET_KEY).")
