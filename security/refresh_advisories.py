"""Vendor the advisories of the pinned packages from the PyPA advisory database (`make advisories`).

SOURCE is a clone of https://github.com/pypa/advisory-database (its HEAD, or --rev), a
.tar.gz archive of it, or the https URL of one (default: GitHub's archive of main). Only the
packages pinned in the requirement files are kept, each YAML record re-encoded as JSON (OSV's
own format; the content is unchanged), with an index naming every pinned package -- those
with no advisory too --, the source's commit and date, its licence and a SOURCES note.

The new set replaces ``security/advisories/`` only once it is complete: a source that cannot
be read, a malformed record or a missing licence leaves the vendored set as it was (exit 2).
Needs PyYAML (requirements-dev.txt).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

import yaml
from packaging.utils import canonicalize_name

from security.offline_audit import ADVISORIES_DIR, INDEX_FORMAT, REQUIREMENT_FILES, read_pins

REPOSITORY = "https://github.com/pypa/advisory-database"
DEFAULT_SOURCE = f"{REPOSITORY}/archive/refs/heads/main.tar.gz"
DOWNLOAD_TIMEOUT_SECONDS = 120


class RefreshError(Exception):
    pass


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps timestamps as the text they are (OSV's are RFC 3339 strings)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@contextmanager
def _open_source(source: str, rev: str) -> Iterator[tuple[tarfile.TarFile, bool]]:
    """The source as a tar stream, and whether its paths start with a top folder (archives)."""
    if source.startswith(("https://", "http://")):
        request = urllib.request.Request(source, headers={"User-Agent": "make-advisories"})  # noqa: S310 - the operator's URL
        with (
            urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response,  # noqa: S310
            tarfile.open(fileobj=response, mode="r|gz") as archive,
        ):
            yield archive, True
        return
    path = Path(source)
    if path.is_file():
        with tarfile.open(path, mode="r|*") as archive:
            yield archive, True
        return
    if not path.is_dir():
        raise RefreshError(f"{source} is neither a clone, an archive nor an https URL")
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            ["git", "-C", str(path), "archive", "--format=tar", rev],  # noqa: S607 - git from PATH
            stdout=subprocess.PIPE,
            stderr=errors,
        )
        assert process.stdout is not None  # noqa: S101 - Popen with PIPE
        try:
            with tarfile.open(fileobj=process.stdout, mode="r|") as archive:
                yield archive, False
        except tarfile.TarError:
            if process.wait() == 0:
                raise
        finally:
            process.stdout.close()
            status = process.wait()
        if status != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip()
            raise RefreshError(f"git archive {rev} in {path} failed: {message}")


def _inner_path(name: str, top: str | None) -> PurePosixPath:
    """The path inside the repository (GitHub's archives put it in a top folder)."""
    path = PurePosixPath(name)
    if top and path.parts and path.parts[0] == top:
        return PurePosixPath(*path.parts[1:])
    return path


def _record(text: bytes, where: str) -> dict[str, Any]:
    try:
        record = yaml.load(text.decode("utf-8"), Loader=_Loader)  # noqa: S506 - a SafeLoader
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RefreshError(f"{where}: malformed YAML ({exc})") from exc
    if not isinstance(record, dict) or record.get("id") != PurePosixPath(where).stem:
        raise RefreshError(f"{where}: not an advisory whose id is its file name")
    return record


def collect(source: str, rev: str, packages: set[str]) -> dict[str, Any]:
    """The pinned packages' records, the licence text and the source's commit and date."""
    records: dict[str, dict[str, dict[str, Any]]] = {name: {} for name in packages}
    license_text, newest = None, 0
    with _open_source(source, rev) as (archive, has_top_folder):
        top = None
        for member in archive:
            if has_top_folder and top is None:
                top = PurePosixPath(member.name).parts[0]
            if not member.isfile():
                continue
            path = _inner_path(member.name, top)
            newest = max(newest, int(member.mtime))
            is_license = path == PurePosixPath("LICENSE")
            wanted = (
                len(path.parts) == 3
                and path.parts[0] == "vulns"
                and path.suffix == ".yaml"
                and canonicalize_name(path.parts[1]) in packages
            )
            if not (is_license or wanted):
                continue
            stream: IO[bytes] | None = archive.extractfile(member)
            data = stream.read() if stream else b""
            if is_license:
                license_text = data.decode("utf-8")
            else:
                record = _record(data, str(path))
                records[canonicalize_name(path.parts[1])][record["id"]] = record
        commit = archive.pax_headers.get("comment", "unknown")
    if license_text is None or not newest:
        raise RefreshError(f"{source} holds no LICENSE or no files: not the advisory database")
    return {
        "records": records,
        "license": license_text,
        "commit": commit,
        "date": datetime.fromtimestamp(newest, UTC).isoformat(),
    }


SOURCES = """\
# Vendored security advisories

`vulns/` holds the advisories of the packages pinned in `requirements.txt` and
`requirements-dev.txt`, from the Python Packaging Advisory Database:

- repository: {repository}
- commit: {commit}
- date of that commit: {date}
- licence: Creative Commons Attribution 4.0 International (CC-BY-4.0), full text in
  `LICENSE` beside this note (https://creativecommons.org/licenses/by/4.0/).
  © the contributors of the Python Packaging Advisory Database.

Changes made: only the pinned packages' folders are kept, and each YAML record is re-encoded
as JSON (the OSV format the YAML encodes); the records' content is unchanged. `index.json`
lists every pinned package with its advisory ids (an empty list: no advisory).

Written by `make advisories` (`security/refresh_advisories.py`); do not edit by hand.
`make audit` (`security/offline_audit.py`) checks the pins against it.
"""


def write(collected: dict[str, Any], output: Path) -> None:
    """Write the new set beside ``output``, then swap it in."""
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".advisories-", dir=output.parent))
    try:
        for name, records in collected["records"].items():
            for advisory_id, record in records.items():
                path = staging / "vulns" / name / f"{advisory_id}.json"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n")
        index = {
            "format": INDEX_FORMAT,
            "source": {
                "repository": REPOSITORY,
                "commit": collected["commit"],
                "date": collected["date"],
                "license": "CC-BY-4.0",
            },
            "packages": {
                name: sorted(records) for name, records in sorted(collected["records"].items())
            },
        }
        (staging / "index.json").write_text(json.dumps(index, indent=2) + "\n")
        (staging / "LICENSE").write_text(collected["license"])
        (staging / "SOURCES.md").write_text(
            SOURCES.format(
                repository=REPOSITORY, commit=collected["commit"], date=collected["date"]
            )
        )
        if output.exists():
            old = output.with_name(output.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            output.rename(old)
            staging.rename(output)
            shutil.rmtree(old)
        else:
            staging.rename(output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", default=DEFAULT_SOURCE)
    parser.add_argument("--rev", default="HEAD", help="the commit to read from a clone")
    parser.add_argument("-r", "--requirement", action="append", type=Path)
    parser.add_argument("--output", type=Path, default=ADVISORIES_DIR)
    args = parser.parse_args(argv)
    errors: list[str] = []
    pins = read_pins(args.requirement or REQUIREMENT_FILES, errors)
    try:
        if errors:
            raise RefreshError("; ".join(errors))
        collected = collect(args.source, args.rev, set(pins))
        write(collected, args.output)
    except (RefreshError, OSError, tarfile.TarError) as exc:
        print(f"Advisories NOT refreshed (the vendored set is unchanged): {exc}", file=sys.stderr)
        return 2
    count = sum(len(records) for records in collected["records"].values())
    print(
        f"Vendored {count} advisories of {len(pins)} pinned packages from {REPOSITORY} at "
        f"{collected['commit'][:12]} ({collected['date']}) into {args.output}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
