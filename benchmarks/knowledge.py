"""The brand knowledge base: load time, index size and memory, find() per article, coverage.

    .venv/bin/python benchmarks/knowledge.py [--articles 300] [--words 800] [--corpus DIR]

Runs in a throwaway environment (temporary VAR_DIR and SQLite database, DEBUG off, a dummy
SECRET_KEY), loads the installed packages with the real loader, builds the index and times
``KnowledgeIndex.find`` on article-sized texts cut from the labelled corpus
(tests/fixtures/extraction_corpus, or ``--corpus DIR`` of the same JSON format), each
``--words`` words long. Then prints each source's
coverage of brands that news names: the corpus's gold and tracked brands plus the brands the
issue lists as missed, by normalised name (known to the source) and as found in a sentence by
``find`` (known and matchable). No timed assertions: it prints figures and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

# Run as a script, this folder comes first on sys.path, and benchmarks/logging.py would shadow
# the standard library's logging (imported by Django).
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
ROOT = _HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CORPUS = ROOT / "tests" / "fixtures" / "extraction_corpus"
# Named in issue #11 as missed by discovery in real articles.
ISSUE_BRANDS = (
    "Amazon",
    "Google",
    "Facebook",
    "Netflix",
    "Spotify",
    "Uber",
    "IBM",
    "YouTube",
    "Twitter",
    "Visa",
    "Mastercard",
    "eBay",
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=300, help="texts to time find() on")
    parser.add_argument("--words", type=int, default=800, help="words per text")
    parser.add_argument("--misses", action="store_true", help="list the brands not covered")
    parser.add_argument(
        "--corpus",
        type=Path,
        default=CORPUS,
        help="folder of labelled articles (JSON with text, gold) for texts and coverage",
    )
    return parser.parse_args()


def configure_environment(var_dir: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "marketing_hunting.settings",
            "VAR_DIR": str(var_dir),
            "DEBUG": "false",
            "SECRET_KEY": "knowledge-benchmark-dummy-secret-key-not-for-production",
            "LOG_SHIPPING": "false",
        }
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def corpus_articles(folder: Path = CORPUS) -> list[dict]:
    articles = []
    for path in sorted(folder.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and "text" in data:
            articles.append(data)
    return articles


def sample_brands(articles: list[dict]) -> list[str]:
    names: dict[str, None] = {}
    for article in articles:
        for name in [*article.get("gold", []), *article.get("known_brands", [])]:
            if isinstance(name, str):
                names[name] = None
    for name in ISSUE_BRANDS:
        names[name] = None
    return list(names)


def texts(articles: list[dict], count: int, words: int) -> list[str]:
    """``count`` texts of ``words`` words, each a run of corpus paragraphs from a random start."""
    paragraphs = [p for a in articles for p in a["text"].split("\n") if p.strip()]
    rng = random.Random(11)
    result = []
    for _ in range(count):
        start = rng.randrange(len(paragraphs))
        chosen: list[str] = []
        total = 0
        while total < words:
            paragraph = paragraphs[(start + len(chosen)) % len(paragraphs)]
            chosen.append(paragraph)
            total += len(paragraph.split())
        result.append(" ".join("\n\n".join(chosen).split(" ")[:words]))
    return result


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def coverage(brands: list[str], show_misses: bool) -> None:
    from reports.knowledge import sources as src
    from reports.knowledge.index import get_index
    from reports.normalize import normalize_brand

    readers = {
        "name-suggestion-index": src.read_nsi,
        "pytickersymbols": src.read_tickers,
        "simple-icons": src.read_simple_icons,
    }
    keys = {normalize_brand(name): name for name in brands}
    print(f"\nCoverage of {len(keys)} brands news names (corpus gold + tracked + issue list)")
    for label, reader in readers.items():
        try:
            data = reader()
        except (src.KnowledgeSourceMissing, src.KnowledgeSourceError) as exc:
            print(f"  {label}: not available ({exc})")
            continue
        known = {normalize_brand(form) for r in data.records for form in [r.name, *r.forms]}
        covered = [name for key, name in keys.items() if key in known]
        print(
            f"  {label} {data.version} ({data.licence}): {len(data.records)} records, "
            f"{len(covered)}/{len(keys)} = {len(covered) / len(keys):.0%}"
        )
        issue = [n for n in ISSUE_BRANDS if normalize_brand(n) in known]
        print(f"    issue list: {len(issue)}/{len(ISSUE_BRANDS)} ({', '.join(issue) or '-'})")
    index = get_index()
    if index is None:
        return
    known = [name for name in keys.values() if index.lookup(name) is not None]
    found = []
    for name in keys.values():
        hits = index.find(f"Shares of {name} rose on Monday.")
        if any(hit.surface == name for hit in hits):
            found.append(name)
    print(
        f"  knowledge base (all sources): known {len(known)}/{len(keys)} = "
        f"{len(known) / len(keys):.0%}, found by find() in a sentence {len(found)}/{len(keys)} "
        f"= {len(found) / len(keys):.0%}"
    )
    if show_misses:
        print(f"    not known: {', '.join(sorted(set(keys.values()) - set(known)))}")
        print(f"    known, not found: {', '.join(sorted(set(known) - set(found)))}")


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="mh-knowledge-") as var_dir:
        configure_environment(Path(var_dir))
        from reports.knowledge.index import build_index, get_index
        from reports.knowledge.loader import knowledge_base_load

        started = time.perf_counter()
        result = knowledge_base_load(skip_missing=True)
        version = result.version
        print(f"Knowledge base: {version.label}; load average {os.getloadavg()[0]:.1f}")
        print(
            f"  loaded in {time.perf_counter() - started:.1f} s: {version.brands} brands, "
            f"{version.names} written forms, {version.excluded} not matched"
        )
        for message in result.skipped:
            print(f"  skipped: {message}")

        rss_before = rss_mb()
        started = time.perf_counter()
        index = get_index()
        built = time.perf_counter() - started
        rss_index = rss_mb() - rss_before
        assert index is not None
        # A second build under tracemalloc (which slows it down several times) for the size
        # of the Python objects alone; RSS above includes the automaton's C memory.
        tracemalloc.start()
        second = build_index()
        traced = tracemalloc.get_traced_memory()[0] / 1e6
        tracemalloc.stop()
        del second
        automaton = index._automaton.get_stats()["total_size"] / 1e6
        print(
            f"  index: {index.size} keys of {index.entries} entries, built in {built:.2f} s; "
            f"memory: Python objects {traced:.0f} MB (tracemalloc) + automaton {automaton:.0f} MB"
            f" (pyahocorasick); process RSS grew {rss_index:.0f} MB (reusing the load's memory)"
        )

        articles = corpus_articles(args.corpus)
        sample = texts(articles, args.articles, args.words)
        timings = []
        cpu = []
        hits = 0
        for text in sample:
            started, started_cpu = time.perf_counter(), time.thread_time()
            hits += len(index.find(text))
            timings.append(time.perf_counter() - started)
            cpu.append(time.thread_time() - started_cpu)
        timings.sort()
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(
            f"  find() on {len(sample)} texts of {args.words} words: median "
            f"{statistics.median(timings) * 1000:.3f} ms, p95 {p95 * 1000:.3f} ms, "
            f"max {timings[-1] * 1000:.3f} ms wall clock; median CPU time "
            f"{statistics.median(cpu) * 1000:.3f} ms (not inflated by other load); "
            f"{hits / len(sample):.1f} hits per text"
        )
        coverage(sample_brands(articles), args.misses)


if __name__ == "__main__":
    main()
