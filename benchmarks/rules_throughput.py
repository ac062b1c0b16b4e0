"""Rules-only analysis throughput on the real evaluation pages, in one process (issue #16).

    .venv/bin/python benchmarks/rules_throughput.py [--rounds 3] [--no-knowledge] [--dump FILE]

The target: >= 200 articles/s per worker process. Each labelled page of
``tests/fixtures/real_pages`` is extracted once (not timed), the brand knowledge base is
loaded as ``make run`` loads it, then the rules extractor (known brands, the knowledge base,
discovery, sentiment: what a rules-only analysis runs per article) reads every page, a few
rounds over. Printed per round: pages per second of the process's CPU time (the steady
figure on a shared machine) and of wall-clock time. The database writes of a report are not
included: this is the extractor's own ceiling, so the whole analysis is slower still. The
extractor's caches keyed by text are emptied before each round (a worker reads new articles).

``--dump FILE`` writes what the last round extracted, one JSON line per page (every finding:
name, confidence, sentiment, evidence and offsets; the article's summary and sentiment), so a
change made for speed can be shown not to change a single result: compare the files with cmp.
"""

# ruff: noqa: E402 - sys.path must be fixed before anything imports the logging module.
from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this folder comes first on sys.path, and benchmarks/logging.py would shadow
# the standard library's logging: put the repository root there instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse
import dataclasses
import json
import os
import statistics
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-knowledge", action="store_true", help="without the knowledge base")
    parser.add_argument("--dump", type=Path, help="write the last round's results (JSON lines)")
    args = parser.parse_args()

    from benchmarks.extraction_eval import configure_environment

    configure_environment(Path(tempfile.mkdtemp(prefix="mh-rules-")))
    from benchmarks.real_pages import known_list, load_pages, run_rules
    from benchmarks.real_pages_report import load_knowledge

    pages = [page for page in load_pages() if page.text]
    knowledge = None if args.no_knowledge else load_knowledge()
    known = known_list(pages)
    run_rules(pages[:20], known, knowledge=knowledge)  # warm-up: imports, lazy tables
    rates = []
    for number in range(1, args.rounds + 1):
        _forget_seen_text()
        cpu, wall = time.process_time(), time.perf_counter()
        results = run_rules(pages, known, knowledge=knowledge)["results"]
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        rates.append(len(pages) / cpu)
        print(
            f"round {number}: {len(pages)} pages, {len(pages) / cpu:.0f} pages/s by CPU "
            f"({1000 * cpu / len(pages):.1f} ms each), {len(pages) / wall:.0f} by wall clock, "
            f"1-min load {os.getloadavg()[0]:.1f}"
        )
    print(f"median {statistics.median(rates):.0f} pages/s per process by CPU (target >= 200)")
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as out:
            for page_id in sorted(results):
                row = {"id": page_id, **dataclasses.asdict(results[page_id])}
                out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
        print(f"results of {len(results)} pages written to {args.dump}")


def _forget_seen_text() -> None:
    """Empty the extractor's caches keyed by text (names, words, sentences, lines) before a
    round: a worker reads new articles, and a round must not be faster for having read the
    same pages in the round before. Caches of fixed data (word lists, the tracked list, the
    knowledge base) are kept, as a worker keeps them. A name missing here (older code, run
    for comparison) has nothing to forget."""
    from importlib import import_module

    for module, name in (
        ("reports.normalize", "normalize_brand"),
        ("reports.extractors.cues", "descriptor_word"),
        ("reports.extractors.gazetteer", "_junk_category"),
        ("reports.extractors.discovery", "_headline_line"),
        ("reports.extractors.discovery", "_registered_elsewhere"),
        ("reports.extractors.discovery", "_shows_code"),
        ("reports.extractors.discovery", "_word_verdict"),
        ("reports.extractors.discovery", "_institution_or_place_of"),
        ("reports.sentiment", "_english_sentence"),
    ):
        cached = getattr(import_module(module), name, None)
        if hasattr(cached, "cache_clear"):
            cached.cache_clear()


if __name__ == "__main__":
    main()
