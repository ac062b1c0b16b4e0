"""`make advisories` (security/refresh_advisories.py) vendors the pinned packages' advisories.

Each test builds a small advisory database as a real git repository (YAML records, as the
PyPA database has them), refreshes from it -- as a clone, and as a GitHub-style archive --
and reads the result with the offline checker.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from security import offline_audit, refresh_advisories
from tests.harness.http_server import Reply

COMMIT_DATE = "2024-01-02T03:04:05+00:00"

DEMO_ADVISORY = """\
id: PYSEC-2024-1
modified: 2024-09-13T21:22:04.531357Z
published: "2024-06-07T19:15:00Z"
aliases:
- CVE-2024-1
details: Demo before 2.0 runs a crafted feed's code. Its "fix" is in 2.0.
affected:
- package:
    name: demo
    ecosystem: PyPI
    purl: pkg:pypi/demo
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: "0"
    - fixed: "2.0"
  versions:
  - "1.0"
  - 1.5
"""


def advisory_yaml(advisory_id: str, package: str) -> str:
    return (
        f"id: {advisory_id}\ndetails: An advisory.\naffected:\n- package:\n"
        f"    name: {package}\n    ecosystem: PyPI\n  ranges:\n  - type: ECOSYSTEM\n"
        "    events:\n    - introduced: '9.0'\n"
    )


def git(repo: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_DATE": COMMIT_DATE,
        "GIT_COMMITTER_DATE": COMMIT_DATE,
        "GIT_CONFIG_GLOBAL": os.devnull,
    }
    return subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@pytest.fixture
def database(tmp_path: Path) -> Path:
    repo = tmp_path / "advisory-database"
    files = {
        "LICENSE": "Attribution 4.0 International\n",
        "README.md": "The database.\n",
        "vulns/demo/PYSEC-2024-1.yaml": DEMO_ADVISORY,
        "vulns/demo/PYSEC-2024-2.yaml": advisory_yaml("PYSEC-2024-2", "demo"),
        # Folder names are not always normalised: "Other_Pkg" is other-pkg.
        "vulns/Other_Pkg/PYSEC-2023-7.yaml": advisory_yaml("PYSEC-2023-7", "Other_Pkg"),
        "vulns/unpinned/PYSEC-2022-3.yaml": advisory_yaml("PYSEC-2022-3", "unpinned"),
    }
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "advisories")
    return repo


@pytest.fixture
def requirements(tmp_path: Path) -> Path:
    path = tmp_path / "requirements.txt"
    path.write_text("demo==1.5\nother-pkg==1.0\nclean==2.0\n")
    return path


def refresh(source: Path | str, requirements: Path, output: Path, *extra: str) -> int:
    return refresh_advisories.main(
        [str(source), "-r", str(requirements), "--output", str(output), *extra]
    )


def tree(directory: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(directory)): p.read_bytes() for p in directory.rglob("*") if p.is_file()
    }


def test_a_refresh_from_a_clone_vendors_only_the_pins_with_source_and_licence(
    tmp_path, database, requirements
):
    output = tmp_path / "advisories"

    assert refresh(database, requirements, output) == 0

    index = json.loads((output / "index.json").read_text())
    assert index["packages"] == {
        "clean": [],
        "demo": ["PYSEC-2024-1", "PYSEC-2024-2"],
        "other-pkg": ["PYSEC-2023-7"],
    }
    assert index["source"]["commit"] == git(database, "rev-parse", "HEAD")
    assert index["source"]["date"] == COMMIT_DATE
    assert index["source"]["license"] == "CC-BY-4.0"
    assert not (output / "vulns" / "unpinned").exists()
    assert (output / "LICENSE").read_text() == "Attribution 4.0 International\n"
    sources = (output / "SOURCES.md").read_text()
    assert index["source"]["commit"] in sources and "CC-BY-4.0" in sources
    # Content unchanged, timestamps kept as written, versions as strings.
    record = json.loads((output / "vulns" / "demo" / "PYSEC-2024-1.json").read_text())
    assert record["modified"] == "2024-09-13T21:22:04.531357Z"
    assert record["details"] == 'Demo before 2.0 runs a crafted feed\'s code. Its "fix" is in 2.0.'
    assert record["affected"][0]["ranges"][0]["events"] == [{"introduced": "0"}, {"fixed": "2.0"}]
    # The checker reads what the refresh wrote: demo 1.5 is affected by PYSEC-2024-1.
    result = offline_audit.audit([requirements], output)
    assert result.errors == []
    assert [f.advisory_id for f in result.findings] == ["PYSEC-2024-1"]


def test_a_refresh_from_a_github_style_archive_reads_the_same(tmp_path, database, requirements):
    archive = tmp_path / "advisory-database-main.tar.gz"
    git(database, "archive", "--prefix=advisory-database-main/", "-o", str(archive), "HEAD")
    from_clone, from_archive = tmp_path / "from-clone", tmp_path / "from-archive"

    assert refresh(database, requirements, from_clone) == 0
    assert refresh(archive, requirements, from_archive) == 0

    assert tree(from_archive) == tree(from_clone)


def test_a_malformed_record_leaves_the_vendored_set_as_it_was(
    tmp_path, database, requirements, capsys
):
    output = tmp_path / "advisories"
    assert refresh(database, requirements, output) == 0
    before = tree(output)
    broken = database / "vulns" / "demo" / "PYSEC-2024-9.yaml"
    broken.write_text("id: PYSEC-2024-9\naffected: [\n")
    git(database, "add", "-A")
    git(database, "commit", "-q", "-m", "a broken record")

    status = refresh(database, requirements, output)

    assert status == 2
    err = capsys.readouterr().err
    assert "NOT refreshed (the vendored set is unchanged)" in err
    assert "vulns/demo/PYSEC-2024-9.yaml: malformed YAML" in err
    assert tree(output) == before
    assert sorted(p.name for p in output.parent.iterdir()) == sorted(
        ["advisories", "advisory-database", "requirements.txt"]
    )


@pytest.mark.parametrize("source", ["missing-folder", "a-file.tar.gz"])
def test_a_source_that_is_not_the_database_changes_nothing(
    tmp_path, database, requirements, capsys, source
):
    output = tmp_path / "advisories"
    assert refresh(database, requirements, output) == 0
    before = tree(output)
    (tmp_path / "a-file.tar.gz").write_bytes(b"not an archive")

    assert refresh(tmp_path / source, requirements, output) == 2

    assert "NOT refreshed" in capsys.readouterr().err
    assert tree(output) == before


def test_an_unknown_revision_of_a_clone_is_refused(tmp_path, database, requirements, capsys):
    status = refresh(database, requirements, tmp_path / "advisories", "--rev", "no-such-rev")

    assert status == 2
    assert "git archive no-such-rev" in capsys.readouterr().err
    assert not (tmp_path / "advisories").exists()


def test_a_record_whose_id_is_not_its_file_name_is_refused(
    tmp_path, database, requirements, capsys
):
    # The checker finds a record by its file name; an id that differs would be reported
    # under another name than the one index.json lists.
    (database / "vulns" / "demo" / "PYSEC-2024-2.yaml").write_text(
        advisory_yaml("PYSEC-2024-3", "demo")
    )
    git(database, "commit", "-q", "-am", "a renamed record")

    assert refresh(database, requirements, tmp_path / "advisories") == 2

    assert "PYSEC-2024-2.yaml: not an advisory whose id is its file name" in capsys.readouterr().err
    assert not (tmp_path / "advisories").exists()


def test_a_refresh_downloads_the_archive_from_a_url(tmp_path, database, requirements, http_server):
    # `make advisories` downloads GitHub's archive of main; a local server stands in for it.
    archive = tmp_path / "main.tar.gz"
    git(database, "archive", "--prefix=advisory-database-main/", "-o", str(archive), "HEAD")
    http_server.add_route("/archive/main.tar.gz", Reply(body=archive.read_bytes()))
    http_server.add_route("/archive/gone.tar.gz", Reply(status=404, body="Not Found"))
    from_clone, from_url = tmp_path / "from-clone", tmp_path / "from-url"

    assert refresh(database, requirements, from_clone) == 0
    assert refresh(http_server.url_for("/archive/main.tar.gz"), requirements, from_url) == 0
    assert tree(from_url) == tree(from_clone)

    assert refresh(http_server.url_for("/archive/gone.tar.gz"), requirements, from_url) == 2
    assert tree(from_url) == tree(from_clone)
