"""``manage.py schema_doc``: docs/schema.md written from the models, and checked here so that
`make test` (and CI) fails when a model changes without a refresh."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from accounts.models import Organization
from monitoring.management.commands import schema_doc as command_module
from monitoring.schema_doc import render

REPOSITORY = Path(settings.BASE_DIR)


def _write(path: Path) -> str:
    call_command("schema_doc", "--output", str(path))
    return path.read_text(encoding="utf-8")


def test_the_checked_in_schema_document_matches_the_models() -> None:
    # The CI gate: fails whenever a model changed and docs/schema.md was not refreshed.
    call_command("schema_doc", "--check")


def test_check_passes_on_a_freshly_written_file(tmp_path: Path, capsys) -> None:
    path = tmp_path / "schema.md"
    _write(path)

    call_command("schema_doc", "--check", "--output", str(path))

    assert "matches the models" in capsys.readouterr().out


def test_check_reports_a_stale_file_in_one_line_and_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "schema.md"
    stale = _write(path).replace("varchar(200)", "varchar(100)", 1)
    path.write_text(stale, encoding="utf-8")

    with pytest.raises(CommandError) as raised:
        call_command("schema_doc", "--check", "--output", str(path))

    message = str(raised.value)
    assert "\n" not in message
    assert message == (
        f"{path} is out of date with the models: run `make schema` "
        "(python manage.py schema_doc) and commit it."
    )
    assert path.read_text(encoding="utf-8") == stale


def test_check_says_when_the_file_is_missing(tmp_path: Path) -> None:
    path = tmp_path / "missing.md"

    with pytest.raises(CommandError, match=r"missing\.md does not exist: run `make schema`"):
        call_command("schema_doc", "--check", "--output", str(path))


def test_a_model_change_makes_the_document_stale(tmp_path: Path, monkeypatch) -> None:
    path = tmp_path / "schema.md"
    _write(path)
    monkeypatch.setattr(Organization._meta.get_field("name"), "max_length", 321)

    assert "| `name` | varchar(321) | no |" in render()
    with pytest.raises(CommandError, match="out of date"):
        call_command("schema_doc", "--check", "--output", str(path))


def test_it_documents_tables_columns_keys_indexes_and_constraints() -> None:
    text = render()

    assert "### Feed\n\nTable `feeds_feed`." in text
    assert (
        "| `organization_id` | bigint | no |  | indexed; "
        "FK → `accounts_organization.id` (on delete CASCADE) |" in text
    )
    assert "- unique `unique_feed_url` on `organization`, `url`" in text
    assert "- index `feed_due_idx` on `enabled`, `next_fetch_at`" in text
    assert "### Job_feeds (link table)" in text
    assert "| `django_celery_beat` | PeriodicTask | `django_celery_beat_periodictask` |" in text


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch
) -> None:
    path = tmp_path / "schema.md"
    path.write_text("the old document\n", encoding="utf-8")

    def disk_full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(command_module.os, "replace", disk_full)
    with pytest.raises(CommandError, match=r"Cannot write .*schema\.md: No space left on device"):
        call_command("schema_doc", "--output", str(path))

    assert path.read_text(encoding="utf-8") == "the old document\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["schema.md"]


def test_writing_into_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"Cannot write .*/nowhere/schema\.md: No such file"):
        call_command("schema_doc", "--output", str(tmp_path / "nowhere" / "schema.md"))


@pytest.mark.parametrize(
    ("database_url", "hash_seed"),
    [
        (None, "1"),  # SQLite
        # PostgreSQL where nothing listens: the document needs no connection.
        ("postgres://nobody@127.0.0.1:1/none", "4242"),
    ],
)
def test_the_output_is_the_same_in_another_process_and_on_another_engine(
    tmp_path: Path, database_url: str | None, hash_seed: str
) -> None:
    path = tmp_path / "schema.md"
    _write(path)
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "PYTHONHASHSEED": hash_seed,
        "VAR_DIR": str(tmp_path / "var"),
    }
    environ.pop("DATABASE_URL", None)
    if database_url:
        environ["DATABASE_URL"] = database_url

    result = subprocess.run(
        [sys.executable, "manage.py", "schema_doc", "--check", "--output", str(path)],
        cwd=REPOSITORY,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "matches the models" in result.stdout
