"""Offline dependency audit: every pin of the requirement files against the vendored
snapshot of the PyPA advisory database (``security/advisories/``, OSV records as JSON).

It runs without the network, so CI runs it on every build (issue #17 item 10); the online
audit (pip-audit, ``.ci/audit``) asks the live databases where they answer. It fails closed:

- exit 1: a pinned version is affected by a known advisory (each one listed);
- exit 2: the check could not be completed -- a requirement that is not ``name==version``,
  a pinned package missing from the vendored set, an advisory it cannot read or does not
  understand. It never reports "no known vulnerabilities" about what it did not check.

The snapshot's age is printed on every run; an old snapshot is a warning, not a failure.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENT_FILES = (ROOT / "requirements.txt", ROOT / "requirements-dev.txt")
ADVISORIES_DIR = ROOT / "security" / "advisories"
INDEX_FORMAT = 1
# Older than this, the age line becomes a WARNING. Age alone never fails the check.
STALE_AFTER_DAYS = 30
_EVENT_KINDS = ("introduced", "fixed", "last_affected")


class AuditError(Exception):
    """The check cannot be completed; the message says what and where."""


@dataclass(frozen=True)
class Pin:
    name: str  # canonical (PEP 503) name
    version: Version
    where: str  # "requirements.txt:12"


@dataclass(frozen=True)
class Finding:
    advisory_id: str
    aliases: tuple[str, ...]
    pin: Pin
    fixed_in: str
    summary: str


@dataclass(frozen=True)
class Snapshot:
    repository: str
    commit: str
    date: date
    packages: dict[str, list[str]]  # canonical name -> advisory ids


# Requirement files -------------------------------------------------------------------------


def _logical_lines(path: Path) -> Iterable[tuple[int, str]]:
    """(line number, text) with comments removed and backslash continuations joined."""
    pending, start = "", 0
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = re.sub(r"(^|\s)#.*$", "", raw).rstrip()
        if not pending:
            start = number
        if text.endswith("\\"):
            pending += text[:-1] + " "
            continue
        line, pending = (pending + text).strip(), ""
        if line:
            yield start, line
    if pending.strip():
        yield start, pending.strip()


def read_pins(paths: Sequence[Path], errors: list[str]) -> dict[str, Pin]:
    """Every ``name==version`` of the files (following ``-r``); problems go to ``errors``."""
    pins: dict[str, Pin] = {}
    seen: set[Path] = set()

    def read(path: Path) -> None:
        path = path.resolve()
        if path in seen:
            return
        seen.add(path)
        try:
            lines = list(_logical_lines(path))
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(f"{path.name}: cannot be read ({exc})")
            return
        for number, line in lines:
            where = f"{path.name}:{number}"
            include = re.fullmatch(r"(?:-r|--requirement)(?:\s+|=)(\S+)", line)
            if include:
                read(path.parent / include.group(1))
                continue
            pin = _parse_pin(re.sub(r"\s+--hash[=\s]\S+", "", line), where, errors)
            if pin is None:
                continue
            known = pins.get(pin.name)
            if known and known.version != pin.version:
                errors.append(
                    f"{where}: {pin.name} is pinned to {pin.version} here and to "
                    f"{known.version} at {known.where}"
                )
            pins.setdefault(pin.name, pin)

    for path in paths:
        read(path)
    return pins


def _parse_pin(line: str, where: str, errors: list[str]) -> Pin | None:
    not_pinned = f"{where}: `{line}` is not pinned as name==version, so it cannot be audited"
    if line.startswith("-"):
        errors.append(f"{not_pinned} (option lines other than -r are not supported)")
        return None
    try:
        requirement = Requirement(line)
    except InvalidRequirement as exc:
        errors.append(f"{not_pinned} ({exc})")
        return None
    specs = list(requirement.specifier)
    if requirement.url or len(specs) != 1 or specs[0].operator != "==" or "*" in specs[0].version:
        errors.append(not_pinned)
        return None
    try:
        version = Version(specs[0].version)
    except InvalidVersion:
        errors.append(f"{not_pinned} ({specs[0].version!r} is not a valid version)")
        return None
    return Pin(canonicalize_name(requirement.name), version, where)


# The vendored snapshot -----------------------------------------------------------------------


def load_snapshot(directory: Path) -> Snapshot:
    index_path = directory / "index.json"
    try:
        index = json.loads(index_path.read_text(encoding="utf-8"))
        if index.get("format") != INDEX_FORMAT:
            raise AuditError(f"{index_path}: unknown format {index.get('format')!r}")
        source = index["source"]
        packages = index["packages"]
        if not isinstance(packages, dict) or not all(
            isinstance(ids, list) and all(isinstance(i, str) for i in ids)
            for ids in packages.values()
        ):
            raise AuditError(f"{index_path}: 'packages' is not a map of package -> [ids]")
        return Snapshot(
            repository=str(source["repository"]),
            commit=str(source["commit"]),
            date=datetime.fromisoformat(source["date"]).date(),
            packages={canonicalize_name(name): ids for name, ids in packages.items()},
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AuditError(
            f"the advisory snapshot's index {index_path} cannot be read ({exc}); "
            "run `make advisories` to vendor it again"
        ) from exc


def _advisory_files(directory: Path, snapshot: Snapshot, pin: Pin) -> list[Path]:
    """The pin's advisory files; AuditError when the vendored set does not cover the pin."""
    ids = snapshot.packages.get(pin.name)
    if ids is None:
        raise AuditError(
            f"{pin.name} ({pin.where}) is not in the vendored advisory set: run "
            "`make advisories` after adding a dependency, so its advisories are vendored"
        )
    folder = directory / "vulns" / pin.name
    on_disk = {p.stem for p in folder.glob("*.json")} if folder.is_dir() else set()
    if on_disk != set(ids):
        missing, extra = sorted(set(ids) - on_disk), sorted(on_disk - set(ids))
        raise AuditError(
            f"the vendored advisories of {pin.name} do not match index.json (missing: "
            f"{', '.join(missing) or 'none'}; not listed: {', '.join(extra) or 'none'}); "
            "run `make advisories`"
        )
    return [folder / f"{advisory_id}.json" for advisory_id in sorted(ids)]


# OSV evaluation ----------------------------------------------------------------------------


def _version(raw: object, where: str) -> Version | None:
    """An event's version; None for the lowest version "0"."""
    if not isinstance(raw, str):
        raise AuditError(f"{where}: version {raw!r} is not a string")
    if raw == "0":
        return None
    try:
        return Version(raw)
    except InvalidVersion as exc:
        raise AuditError(f"{where}: {raw!r} is not a PEP 440 version") from exc


def _in_range(version: Version, events: object, where: str) -> tuple[bool, str]:
    """Whether ``version`` is in an ECOSYSTEM range (OSV's algorithm), and its fix."""
    if not isinstance(events, list) or not events:
        raise AuditError(f"{where}: a range without events")
    parsed: list[tuple[str, Version | None]] = []
    for event in events:
        if not isinstance(event, dict) or len(event) != 1 or next(iter(event)) not in _EVENT_KINDS:
            raise AuditError(f"{where}: unsupported range event {event!r}")
        ((kind, raw),) = event.items()
        parsed.append((kind, _version(raw, where)))
    parsed.sort(key=lambda e: (e[1] is not None, e[1] or Version("0")))
    affected = False
    for kind, bound in parsed:
        # Once the version is past an event, that event decides: in after an introduction,
        # out after a fix (the fix itself is out) or after the last affected version.
        past = bound is None or (version > bound if kind == "last_affected" else version >= bound)
        if past:
            affected = kind == "introduced"
    fixes = sorted(b for k, b in parsed if k == "fixed" and b is not None and b > version)
    last = [b for k, b in parsed if k == "last_affected" and b is not None and b >= version]
    if fixes:
        fixed_in = str(fixes[0])
    elif last:
        fixed_in = f"no fix listed (last affected: {min(last)})"
    else:
        fixed_in = "no fix listed"
    return affected, fixed_in


def _listed(version: Version, versions: object, where: str) -> bool:
    if not isinstance(versions, list) or not all(isinstance(v, str) for v in versions):
        raise AuditError(f"{where}: 'versions' is not a list of strings")
    for raw in versions:
        try:
            if Version(raw) == version:
                return True
        except InvalidVersion:
            if raw == str(version):
                return True
    return False


def evaluate(record: object, pin: Pin, where: str) -> Finding | None:
    """The finding if ``record`` (an OSV advisory) affects ``pin``; None if not or withdrawn."""
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        raise AuditError(f"{where}: not an OSV advisory (no 'id')")
    if record.get("withdrawn"):
        return None
    affected = record.get("affected")
    if not isinstance(affected, list):
        raise AuditError(f"{where}: no 'affected' list")
    entries = [
        entry
        for entry in affected
        if isinstance(entry, dict)
        and isinstance(entry.get("package"), dict)
        and entry["package"].get("ecosystem") == "PyPI"
        and canonicalize_name(str(entry["package"].get("name", ""))) == pin.name
    ]
    if not entries:
        raise AuditError(f"{where}: names no affected PyPI package {pin.name}")
    for entry in entries:
        ranges = entry.get("ranges", [])
        if not isinstance(ranges, list) or not all(isinstance(r, dict) for r in ranges):
            raise AuditError(f"{where}: 'ranges' is not a list of ranges")
        for kind in {r.get("type") for r in ranges} - {"ECOSYSTEM", "GIT"}:
            raise AuditError(f"{where}: unsupported range type {kind!r}")
        # GIT ranges are commit ids, not releases; PyPA lists their releases in 'versions'.
        ecosystem = [r for r in ranges if r.get("type") == "ECOSYSTEM"]
        if not ecosystem and not entry.get("versions"):
            raise AuditError(f"{where}: neither an ECOSYSTEM range nor 'versions' for {pin.name}")
        results = [_in_range(pin.version, r.get("events"), where) for r in ecosystem]
        hit = any(affected for affected, _ in results)
        if hit or _listed(pin.version, entry.get("versions", []), where):
            fixes = [fixed for affected, fixed in results if affected] or [
                fixed for _, fixed in results
            ]
            return Finding(
                advisory_id=record["id"],
                aliases=tuple(str(a) for a in record.get("aliases") or ()),
                pin=pin,
                fixed_in=fixes[0] if fixes else "no fix listed",
                summary=_summary(record),
            )
    return None


def _summary(record: dict[str, object]) -> str:
    text = str(record.get("summary") or record.get("details") or "").strip()
    text = " ".join(text.split())
    return text if len(text) <= 160 else text[:157].rstrip() + "..."


# The run -----------------------------------------------------------------------------------


@dataclass
class Result:
    pins: dict[str, Pin]
    snapshot: Snapshot | None
    findings: list[Finding]
    errors: list[str]
    advisories_read: int = 0
    withdrawn: int = 0


def audit(requirement_files: Sequence[Path], advisories: Path) -> Result:
    errors: list[str] = []
    pins = read_pins(requirement_files, errors)
    try:
        snapshot = load_snapshot(advisories)
    except AuditError as exc:
        return Result(pins, None, [], [*errors, str(exc)])
    result = Result(pins, snapshot, [], errors)
    for pin in sorted(pins.values(), key=lambda p: p.name):
        try:
            files = _advisory_files(advisories, snapshot, pin)
        except AuditError as exc:
            errors.append(str(exc))
            continue
        for path in files:
            where = str(path.relative_to(advisories))
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                finding = evaluate(record, pin, where)
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                errors.append(f"{where}: cannot be read ({exc})")
                continue
            except AuditError as exc:
                errors.append(str(exc))
                continue
            result.advisories_read += 1
            result.withdrawn += bool(record.get("withdrawn"))
            if finding:
                result.findings.append(finding)
    return result


def report(result: Result, today: date, out: list[str]) -> int:
    """Write the report's lines to ``out``; the exit status."""
    snap = result.snapshot
    if snap:
        age = (today - snap.date).days
        out.append(
            f"Offline dependency audit: {len(result.pins)} pinned requirements against "
            f"{result.advisories_read} advisories of {snap.repository} at {snap.commit[:12]} "
            f"({snap.date.isoformat()}; {result.withdrawn} withdrawn, ignored)."
        )
        line = (
            f"Advisory snapshot of {snap.date.isoformat()}, {age} days old: advisories "
            "published since are not known to this check."
        )
        if age > STALE_AFTER_DAYS:
            line = (
                f"WARNING: {line} Refresh it with `make advisories`, or run the online "
                "audit where the internet answers: `AUDIT_ONLINE=1 make audit`."
            )
        out.append(line)
    for finding in result.findings:
        ids = ", ".join((finding.advisory_id, *finding.aliases[:2]))
        out.append(
            f"VULNERABLE {finding.pin.name} {finding.pin.version} ({finding.pin.where}): {ids}; "
            f"fixed in: {finding.fixed_in}\n    {finding.summary}"
        )
    for error in result.errors:
        out.append(f"NOT CHECKED: {error}")
    if result.findings:
        out.append(
            f"Offline dependency audit FAILED: {len(result.findings)} known "
            "vulnerabilities in pinned versions (listed above)."
        )
        return 1
    if result.errors:
        out.append(
            "Offline dependency audit FAILED: the check could not be completed (see NOT "
            "CHECKED above); nothing is known about what it did not check."
        )
        return 2
    out.append(
        "Offline dependency audit passed: no pinned version is affected by an advisory "
        "in the snapshot."
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "-r",
        "--requirement",
        action="append",
        type=Path,
        help="a requirement file (repeatable; default: requirements.txt, requirements-dev.txt)",
    )
    parser.add_argument("--advisories", type=Path, default=ADVISORIES_DIR)
    parser.add_argument("--today", type=date.fromisoformat, default=None, help="YYYY-MM-DD")
    args = parser.parse_args(argv)
    result = audit(args.requirement or REQUIREMENT_FILES, args.advisories)
    lines: list[str] = []
    status = report(result, args.today or datetime.now(UTC).date(), lines)
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main())
