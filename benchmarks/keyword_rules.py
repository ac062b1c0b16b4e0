"""Keyword rules benchmark: compile a rule, index a 5,000-word article, match rules on it.

    .venv/bin/python benchmarks/keyword_rules.py [--words 5000] [--runs 200]

Pure Python, no database: the parser and matcher in reports/keyword_rules are what analysis
runs before every article. Prints medians (and p95) of --runs timings; no assertions.
"""

from __future__ import annotations

import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

from reports.keyword_rules import CompiledRule, Document  # noqa: E402

VOCABULARY = (  # noqa: SIM905 -- a sentence of words reads better than 60 quoted ones
    "market brand growth retail online store price launch product customer service partner "
    "deal quarter revenue profit analyst investor share strategy digital campaign consumer "
    "demand supply factory energy travel hotel airline bank insurance cloud mobile music film "
    "city region europe asia government policy rules rival team people report study survey "
    "électrique société café naïve tesla recall volkswagen citroën electric vehicle battery"
).split()

RULES = {
    "one word": ("tesla", ""),
    "typical": ('(tesla OR "electric vehicle" OR volkswagen) NOT recall*', ""),
    "NEAR + phrase": ('tesla NEAR/5 (recall OR "battery fire")', "sponsored OR advertorial"),
    "40-term OR list": (" OR ".join(f"brand{n}" for n in range(39)) + " OR airline", ""),
    "wildcards": ("electri* AND (batter* OR charg*) AND NOT hotel*", ""),
}


def article(words: int, seed: int = 7) -> str:
    rng = random.Random(seed)  # Reproducible prose.
    sentences = []
    while sum(len(s.split()) for s in sentences) < words:
        sentences.append(" ".join(rng.choices(VOCABULARY, k=rng.randint(8, 20))).capitalize())
    return ". ".join(sentences) + "."


def timings(function: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and p95 in microseconds."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        function()
        samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--words", type=int, default=5000, help="article length (5000)")
    parser.add_argument("--runs", type=int, default=200, help="timed runs per figure (200)")
    args = parser.parse_args()
    text = article(args.words)
    title = "Tesla recalls electric vehicles in Europe"
    print(f"Article: {len(text.split())} words, {len(text):,} characters; {args.runs} runs each")
    print(f"{'figure':<44}{'median µs':>12}{'p95 µs':>12}")

    def row(label: str, function: Callable[[], object]) -> float:
        median, p95 = timings(function, args.runs)
        print(f"{label:<44}{median:>12.1f}{p95:>12.1f}")
        return median

    index = row(
        "index the article (fold, split, positions)", lambda: Document.from_article(title, text)
    )
    document = Document.from_article(title, text)
    compiled = {}
    for name, (include, exclude) in RULES.items():
        row(
            f"compile: {name}",
            lambda i=include, e=exclude: CompiledRule.compile(include=i, exclude=e),
        )
        compiled[name] = CompiledRule.compile(include=include, exclude=exclude)
    for name, rule in compiled.items():
        # A fresh document each time for the wildcard rule: its prefix cache would flatter it.
        if name == "wildcards":
            row(
                f"match: {name} (incl. prefix scan)",
                lambda r=rule: r.passes(Document.from_article(title, text)),
            )
        else:
            row(f"match: {name}", lambda r=rule: r.passes(document))
    one = row(
        "index + match one typical rule (per article)",
        lambda: compiled["typical"].passes(Document.from_article(title, text)),
    )
    every = list(compiled.values())

    def all_rules() -> bool:
        indexed = Document.from_article(title, text)  # Once per article, as analysis does.
        return all(rule.passes(indexed) for rule in every)

    row("index once + match all 5 rules (per article)", all_rules)
    short = article(800, seed=3)
    preview = row(
        "preview: 500 articles of 800 words, one rule",
        lambda: sum(
            compiled["typical"].passes(Document.from_article("", short)) for _ in range(500)
        ),
    )
    print(
        f"\nIndexing is {index / one:.0%} of the per-article cost; the drawer's preview of 500 "
        f"articles takes {preview / 1000:.0f} ms (plus reading them from the database)."
    )


if __name__ == "__main__":
    main()
