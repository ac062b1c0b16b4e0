"""``manage.py schema_doc [--check] [--output PATH]``: write docs/schema.md from the models, or
say (exit status 1, one line) that the checked-in file is stale."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from monitoring.schema_doc import DOCUMENT, REFRESH_COMMAND, render


class Command(BaseCommand):
    help = "Write the database schema document (docs/schema.md) from the models."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check",
            action="store_true",
            help="Change nothing; exit with status 1 when the file differs from the models.",
        )
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help=f"Where the document is (default: {DOCUMENT} in the project).",
        )

    def handle(self, *args: Any, check: bool, output: Path | None, **options: Any) -> None:
        path = output or Path(settings.BASE_DIR) / DOCUMENT
        text = render()
        if check:
            self._check(path, text)
            return
        _write_atomically(path, text)
        self.stdout.write(f"Wrote {path} ({text.count(chr(10))} lines).")

    def _check(self, path: Path, text: str) -> None:
        try:
            current = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CommandError(
                f"{path} does not exist: run `make schema` ({REFRESH_COMMAND})."
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path} cannot be read ({exc}).") from None
        if current != text:
            raise CommandError(
                f"{path} is out of date with the models: run `make schema` ({REFRESH_COMMAND}) "
                "and commit it."
            )
        self.stdout.write(f"{path} matches the models.")


def _write_atomically(path: Path, text: str) -> None:
    """A failed write (no such folder, no permission, disk full) leaves the old file whole."""
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise CommandError(f"Cannot write {path}: {exc.strerror or exc}.") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise CommandError(f"Cannot write {path}: {exc.strerror or exc}.") from None
