"""The offline dependency audit (security/offline_audit.py, `make audit`, CI's first step).

Each test runs the checker's command line against small fixture advisories written as the
vendored set is (index.json + vulns/<package>/<id>.json) and a fixture requirements file,
then the real vendored set against the real pins.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from security import offline_audit
from security.offline_audit import ADVISORIES_DIR, REQUIREMENT_FILES, load_snapshot, read_pins
from tests.harness.waiting import ceiling

ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT_DATE = "2024-10-10T17:35:05+00:00"


def advisory(
    advisory_id: str,
    events: list[dict[str, str]] | None = None,
    versions: list[str] | None = None,
    package: str = "demo",
    **extra: Any,
) -> dict[str, Any]:
    entry: dict[str, Any] = {"package": {"name": package, "ecosystem": "PyPI"}}
    if events is not None:
        entry["ranges"] = [{"type": "ECOSYSTEM", "events": events}]
    if versions is not None:
        entry["versions"] = versions
    return {
        "id": advisory_id,
        "details": f"{advisory_id}: demo lets a crafted feed run code.",
        "aliases": [advisory_id.replace("PYSEC", "CVE")],
        "affected": [entry],
        **extra,
    }


def write_set(
    directory: Path,
    advisories: dict[str, list[dict[str, Any]]],
    listed: dict[str, list[str]] | None = None,
    index_format: int = 1,
) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for package, records in advisories.items():
        for record in records:
            path = directory / "vulns" / package / f"{record['id']}.json"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(record))
    packages = (
        listed
        if listed is not None
        else {
            package: [record["id"] for record in records] for package, records in advisories.items()
        }
    )
    index = {
        "format": index_format,
        "source": {"repository": "fixture", "commit": "f" * 40, "date": SNAPSHOT_DATE},
        "packages": packages,
    }
    (directory / "index.json").write_text(json.dumps(index))
    return directory


def run(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    requirements: str,
    advisories: dict[str, list[dict[str, Any]]] | None = None,
    today: str = "2024-10-20",
    **set_options: Any,
) -> tuple[int, str]:
    requirement_file = tmp_path / "requirements.txt"
    requirement_file.write_text(requirements)
    adv = tmp_path / "advisories"
    if advisories is not None:
        write_set(adv, advisories, **set_options)
    status = offline_audit.main(
        ["-r", str(requirement_file), "--advisories", str(adv), "--today", today]
    )
    return status, capsys.readouterr().out


# Which versions an advisory affects --------------------------------------------------------


@pytest.mark.parametrize(
    ("version", "status"),
    [("0.9", 0), ("1.0", 1), ("1.5", 1), ("1.9.9", 1), ("2.0", 0), ("2.0.1", 0)],
)
def test_an_introduced_fixed_range_holds_from_the_introduction_up_to_the_fix(
    tmp_path, capsys, version, status
):
    result, out = run(
        tmp_path,
        capsys,
        f"demo=={version}\n",
        {"demo": [advisory("PYSEC-2024-1", [{"introduced": "1.0"}, {"fixed": "2.0"}])]},
    )

    assert result == status, out
    assert ("VULNERABLE" in out) is bool(status)


def test_a_finding_names_the_advisory_the_package_the_version_the_fix_and_the_summary(
    tmp_path, capsys
):
    status, out = run(
        tmp_path,
        capsys,
        "# the pins\nother==3.0\ndemo==1.5  # a comment\n",
        {
            "demo": [advisory("PYSEC-2024-1", [{"introduced": "0"}, {"fixed": "1.6.2"}])],
            "other": [],
        },
    )

    assert status == 1
    assert (
        "VULNERABLE demo 1.5 (requirements.txt:3): PYSEC-2024-1, CVE-2024-1; fixed in: 1.6.2" in out
    )
    assert "PYSEC-2024-1: demo lets a crafted feed run code." in out
    assert "FAILED: 1 known vulnerabilities" in out
    assert "other" not in out.split("VULNERABLE", 1)[1]


@pytest.mark.parametrize(
    ("version", "status", "fixed_in"),
    [
        ("2.0", 0, None),
        ("2.2.0", 1, "2.2.8"),
        ("2.2.8", 0, None),
        ("2.3.1", 1, "2.3.4"),
        ("2.3.4", 0, None),
    ],
)
def test_several_intervals_in_one_range_in_any_order(tmp_path, capsys, version, status, fixed_in):
    # Celery's PYSEC-2011-17, its events shuffled: the checker sorts them as OSV says.
    events = [{"fixed": "2.3.4"}, {"introduced": "2.3"}, {"fixed": "2.2.8"}, {"introduced": "2.1"}]
    result, out = run(
        tmp_path, capsys, f"demo=={version}\n", {"demo": [advisory("PYSEC-2011-17", events)]}
    )

    assert result == status, out
    if fixed_in:
        assert f"fixed in: {fixed_in}" in out


@pytest.mark.parametrize(("version", "status"), [("0.1", 1), ("1.11.0", 1), ("1.11.1", 0)])
def test_last_affected_includes_that_version_and_nothing_after(tmp_path, capsys, version, status):
    events = [{"introduced": "0"}, {"last_affected": "1.11.0"}]
    record = advisory("PYSEC-2022-42969", events)

    result, out = run(tmp_path, capsys, f"demo=={version}\n", {"demo": [record]})

    assert result == status, out
    if status:
        assert "fixed in: no fix listed (last affected: 1.11.0)" in out


@pytest.mark.parametrize(("version", "status"), [("1.2", 1), ("1.2.0", 1), ("1.1", 0)])
def test_a_versions_list_alone_decides_when_the_ranges_are_git_commits(
    tmp_path, capsys, version, status
):
    record = advisory("PYSEC-2021-1", versions=["1.0", "1.2", "1.3rc1"])
    record["affected"][0]["ranges"] = [
        {"type": "GIT", "repo": "https://example.com/demo", "events": [{"introduced": "abc"}]}
    ]

    result, out = run(tmp_path, capsys, f"demo=={version}\n", {"demo": [record]})

    assert result == status, out


@pytest.mark.parametrize(("version", "status"), [("2.9", 0), ("3.0", 1), ("99.0", 1)])
def test_a_range_with_no_fix_affects_every_later_version(tmp_path, capsys, version, status):
    result, out = run(
        tmp_path,
        capsys,
        f"demo=={version}\n",
        {"demo": [advisory("PYSEC-2020-9", [{"introduced": "3.0"}])]},
    )

    assert result == status, out
    if status:
        assert "fixed in: no fix listed" in out


def test_a_withdrawn_advisory_is_ignored(tmp_path, capsys):
    events = [{"introduced": "0"}, {"fixed": "9.0"}]
    records = [
        advisory("PYSEC-2022-15", events, withdrawn="2022-02-22T16:15:07Z"),
        advisory("PYSEC-2022-16", [{"introduced": "5.0"}]),
    ]

    status, out = run(tmp_path, capsys, "demo==1.0\n", {"demo": records})

    assert status == 0, out
    assert "1 withdrawn, ignored" in out
    assert "passed: no pinned version is affected" in out


def test_requirement_files_are_followed_through_r_lines_and_continuations(tmp_path, capsys):
    (tmp_path / "base.txt").write_text("demo==1.5 \\\n    --hash=sha256:abc\n")

    status, out = run(
        tmp_path,
        capsys,
        "-r base.txt\nother==1.0\n",
        {"demo": [advisory("PYSEC-2024-1", [{"introduced": "1.0"}])], "other": []},
    )

    assert status == 1, out
    assert "VULNERABLE demo 1.5 (base.txt:1)" in out
    assert "2 pinned requirements" in out


# Failing closed ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "demo>=1.0",
        "demo",
        "demo==1.*",
        "demo===1.0",
        "demo==1.0,<2",
        "demo @ https://example.com/demo-1.0.tar.gz",
        "-e .",
        "--index-url https://example.com/simple",
        "demo==1.0; (",
    ],
)
def test_a_line_that_is_not_a_pin_fails_closed_naming_it(tmp_path, capsys, line):
    status, out = run(tmp_path, capsys, f"other==1.0\n{line}\n", {"demo": [], "other": []})

    assert status == 2, out
    assert f"NOT CHECKED: requirements.txt:2: `{line}` is not pinned as name==version" in out
    assert "passed" not in out


def test_a_package_pinned_twice_at_different_versions_fails_closed(tmp_path, capsys):
    (tmp_path / "base.txt").write_text("Demo==1.0\n")

    status, out = run(tmp_path, capsys, "-r base.txt\ndemo==2.0\n", {"demo": []})

    assert status == 2, out
    assert "demo is pinned to 2.0 here and to 1.0 at base.txt:1" in out


def test_a_pinned_package_missing_from_the_vendored_set_fails_closed(tmp_path, capsys):
    # A new dependency added without `make advisories`.
    status, out = run(tmp_path, capsys, "demo==1.0\nnewcomer==1.0\n", {"demo": []})

    assert status == 2, out
    assert "newcomer (requirements.txt:2) is not in the vendored advisory set" in out
    assert "make advisories" in out


@pytest.mark.parametrize(
    ("listed", "message"),
    [
        ({"demo": ["PYSEC-2024-1", "PYSEC-2024-2"]}, "missing: PYSEC-2024-2; not listed: none"),
        ({"demo": []}, "missing: none; not listed: PYSEC-2024-1"),
    ],
)
def test_vendored_files_that_do_not_match_the_index_fail_closed(tmp_path, capsys, listed, message):
    records = {"demo": [advisory("PYSEC-2024-1", [{"introduced": "9.0"}])]}

    status, out = run(tmp_path, capsys, "demo==1.0\n", records, listed=listed)

    assert status == 2, out
    assert message in out


def test_an_advisory_that_is_not_valid_json_fails_closed(tmp_path, capsys):
    adv = write_set(tmp_path / "advisories", {"demo": [advisory("PYSEC-2024-1", [])]})
    (adv / "vulns" / "demo" / "PYSEC-2024-1.json").write_text('{"id": "PYSEC-2024-1", "affec')

    status, out = run(tmp_path, capsys, "demo==1.0\n")

    assert status == 2, out
    assert "NOT CHECKED: vulns/demo/PYSEC-2024-1.json: cannot be read" in out


def _semver(record: dict[str, Any]) -> None:
    record["affected"][0]["ranges"][0]["type"] = "SEMVER"


def _git_only(record: dict[str, Any]) -> None:
    record["affected"][0]["ranges"] = [{"type": "GIT", "events": [{"introduced": "abc"}]}]


def _other_package(record: dict[str, Any]) -> None:
    record["affected"][0]["package"]["name"] = "somebody-else"


def _no_affected(record: dict[str, Any]) -> None:
    del record["affected"]


def _limit(record: dict[str, Any]) -> None:
    record["affected"][0]["ranges"][0]["events"].append({"limit": "3.0"})


def _legacy_version(record: dict[str, Any]) -> None:
    record["affected"][0]["ranges"][0]["events"][1] = {"fixed": "2019-09-12"}


def _numeric_version(record: dict[str, Any]) -> None:
    record["affected"][0]["ranges"][0]["events"][1] = {"fixed": 2.0}


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (_semver, "unsupported range type 'SEMVER'"),
        (_git_only, "neither an ECOSYSTEM range nor 'versions' for demo"),
        (_other_package, "names no affected PyPI package demo"),
        (_no_affected, "no 'affected' list"),
        (_limit, "unsupported range event {'limit': '3.0'}"),
        (_legacy_version, "'2019-09-12' is not a PEP 440 version"),
        (_numeric_version, "version 2.0 is not a string"),
    ],
)
def test_an_advisory_the_checker_does_not_understand_fails_closed(tmp_path, capsys, spoil, message):
    record = advisory("PYSEC-2024-1", [{"introduced": "1.0"}, {"fixed": "2.0"}])
    spoil(record)

    # 5.0 is outside the range: a checker that skipped what it does not understand would pass.
    status, out = run(tmp_path, capsys, "demo==5.0\n", {"demo": [record]})

    assert status == 2, out
    assert f"NOT CHECKED: vulns/demo/PYSEC-2024-1.json: {message}" in out


def test_an_index_of_an_unknown_format_fails_closed(tmp_path, capsys):
    status, out = run(tmp_path, capsys, "demo==1.0\n", {"demo": []}, index_format=2)

    assert status == 2, out
    assert "unknown format 2" in out


def test_no_vendored_set_at_all_fails_closed(tmp_path, capsys):
    status, out = run(tmp_path, capsys, "demo==1.0\n")

    assert status == 2, out
    assert "index.json cannot be read" in out


@pytest.mark.parametrize(
    ("today", "age_line"),
    [
        ("2024-10-20", "Advisory snapshot of 2024-10-10, 10 days old"),
        ("2026-12-06", "WARNING: Advisory snapshot of 2024-10-10, 787 days old"),
    ],
)
def test_the_snapshot_age_is_printed_and_an_old_snapshot_warns_without_failing(
    tmp_path, capsys, today, age_line
):
    status, out = run(tmp_path, capsys, "demo==1.0\n", {"demo": []}, today=today)

    assert status == 0, out
    assert age_line in out.splitlines()[1]
    assert ("WARNING" in out) is (today == "2026-12-06")


# The real vendored set and the real pins ---------------------------------------------------


def test_the_vendored_set_covers_every_pinned_package():
    errors: list[str] = []
    pins = read_pins(REQUIREMENT_FILES, errors)
    snapshot = load_snapshot(ADVISORIES_DIR)

    assert errors == []
    missing = sorted(set(pins) - set(snapshot.packages))
    assert missing == [], f"run `make advisories`: no vendored advisories for {missing}"


def test_every_vendored_advisory_is_read_and_understood():
    result = offline_audit.audit(REQUIREMENT_FILES, ADVISORIES_DIR)
    snapshot = load_snapshot(ADVISORIES_DIR)

    assert result.errors == []
    assert result.advisories_read == sum(len(ids) for ids in snapshot.packages.values()) > 100


def test_the_real_check_runs_from_the_command_line_within_seconds():
    started = time.monotonic()
    completed = subprocess.run(
        [sys.executable, "-m", "security.offline_audit"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=ceiling(60),
        check=False,
    )
    elapsed = time.monotonic() - started

    assert completed.returncode in (0, 1), completed.stdout + completed.stderr
    assert "pinned requirements against" in completed.stdout
    assert "Advisory snapshot of " in completed.stdout
    assert elapsed < ceiling(5)
