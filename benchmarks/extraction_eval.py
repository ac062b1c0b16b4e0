"""Brand extraction quality on the labelled corpus: precision, recall and F1 per extractor.

    .venv/bin/python benchmarks/extraction_eval.py [--verbose] [--corpus DIR]

Runs in a throwaway environment (temporary VAR_DIR, DEBUG off, a dummy SECRET_KEY); the rules
part needs no database. Scores, after normalising names with reports.normalize.normalize_brand:

  (a) known brands only: the gold brands the organization tracks vs the findings matched to a
      known brand (target F1 >= 0.90 for the rules extractor);
  (b) overall: every gold brand vs every finding, known or discovered.

A gold entry may list other names of the same entity (``gold_aliases``); a finding matching one
counts as that entry. Figures are printed for the whole corpus and per split: "dev" articles
were written before the rules and used while improving them; "holdout" articles were written
after the rules were frozen and never used to change them. --verbose prints every article's
misses and false positives.
No timed assertions: it prints figures and exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Run as a script, this folder comes first on sys.path, and benchmarks/logging.py would shadow
# the standard library's logging (imported by Django). None of the imports above needs it.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
ROOT = _HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CORPUS = ROOT / "tests" / "fixtures" / "extraction_corpus"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--verbose", action="store_true", help="per-article errors")
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="corpus folder")
    return parser.parse_args()


def configure_environment(var_dir: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "marketing_hunting.settings",
            "VAR_DIR": str(var_dir),
            "DEBUG": "false",
            "SECRET_KEY": "extraction-eval-dummy-secret-key-not-for-production",
        }
    )
    import django

    django.setup()


def load_corpus(folder: Path) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    catalogue = {
        entry["name"]: entry
        for entry in json.loads((folder / "known_brands.json").read_text(encoding="utf-8"))
    }
    articles = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.json"))
        if path.name != "known_brands.json"
    ]
    return catalogue, articles


def context_for(article: dict[str, Any], catalogue: dict[str, dict[str, Any]]) -> Any:
    from reports.extractors.base import ExtractionContext, KnownBrand

    known = []
    for number, entry in enumerate(article.get("known_brands", []), start=1):
        data = catalogue[entry] if isinstance(entry, str) else entry
        known.append(
            KnownBrand(
                brand_id=number,
                name=data["name"],
                aliases=tuple(data.get("aliases", ())),
                industry=data.get("industry", ""),
            )
        )
    return ExtractionContext(known_brands=tuple(known))


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return (
            f"precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}  "
            f"(TP {self.tp}, FP {self.fp}, FN {self.fn})"
        )


def gold_entries(article: dict[str, Any], known_keys: set[str]) -> dict[str, set[str]]:
    """Each gold brand's key -> every key that counts as it (its own and its gold aliases)."""
    from reports.normalize import normalize_brand

    aliases = article.get("gold_aliases", {})
    entries = {}
    for name in article["gold"]:
        keys = {normalize_brand(name)} | {normalize_brand(a) for a in aliases.get(name, [])}
        entries[normalize_brand(name)] = keys
    return entries


def score_article(
    article: dict[str, Any], predicted: list[str], gold: dict[str, set[str]], score: Score
) -> None:
    from reports.normalize import normalize_brand

    remaining = dict(gold)
    false_positives = []
    for name in dict.fromkeys(predicted):
        key = normalize_brand(name)
        hit = next((g for g, keys in remaining.items() if key in keys), None)
        if hit is not None:
            score.tp += 1
            del remaining[hit]
        elif not any(key in keys for keys in gold.values()):
            false_positives.append(name)
    score.fp += len(false_positives)
    score.fn += len(remaining)
    if false_positives or remaining:
        score.errors.append(
            f"{article['id']}: missed {sorted(remaining) or '-'}; "
            f"false positives {false_positives or '-'}"
        )


def evaluate_rules(catalogue: dict[str, Any], articles: list[dict[str, Any]]) -> dict[str, Any]:
    from reports.extractors.rules import RulesExtractor
    from reports.normalize import normalize_brand

    extractor = RulesExtractor()
    known_score, overall_score = Score(), Score()
    elapsed: list[float] = []
    for article in articles:
        context = context_for(article, catalogue)
        known_keys = {
            normalize_brand(n) for b in context.known_brands for n in (b.name, *b.aliases)
        }
        began = time.perf_counter()
        result = extractor.extract(
            text=article["text"],
            title=article["title"],
            language=article["language"],
            context=context,
        )
        elapsed.append(time.perf_counter() - began)
        gold = gold_entries(article, known_keys)
        known_gold = {k: v for k, v in gold.items() if v & known_keys}
        score_article(
            article,
            [f.name for f in result.brands if f.brand_id is not None],
            known_gold,
            known_score,
        )
        score_article(article, [f.name for f in result.brands], gold, overall_score)
    return {"known": known_score, "overall": overall_score, "elapsed": elapsed}


def huge_text_timing(catalogue: dict[str, Any], articles: list[dict[str, Any]]) -> float:
    from reports.extractors.rules import RulesExtractor

    words: list[str] = []
    while len(words) < 200_000:
        for article in articles:
            words.extend(article["text"].split())
    text = " ".join(words[:200_000])
    context = context_for(articles[0], catalogue)
    began = time.perf_counter()
    RulesExtractor().extract(text=text, title="", language="en", context=context)
    return time.perf_counter() - began


def syndicated_sample(
    articles: list[dict[str, Any]], *, total: int = 100, share: float = 0.3, seed: int = 4
) -> list[dict[str, Any]]:
    """``total`` articles of which ``share`` are syndicated copies of others in the sample:
    the same story with a different header and footer, as partner sites republish it."""
    rng = random.Random(seed)
    originals = [dict(a) for a in rng.sample(articles, min(len(articles), total))]
    while len(originals) < round(total * (1 - share)):
        originals.append(dict(rng.choice(articles)))
    originals = originals[: round(total * (1 - share))]
    copies = []
    for number in range(total - len(originals)):
        source = rng.choice(originals)
        copy = dict(source)
        copy["id"] = f"{source['id']}--copy-{number}"
        copy["copy_of"] = source["id"]
        copy["text"] = (
            f"(Syndicated by Partner Wire {number})\n\n{source['text']}\n\n"
            f"This story was republished with permission. Copyright {2020 + number % 5}."
        )
        copies.append(copy)
    sample = originals + copies
    rng.shuffle(sample)
    return sample


def evaluate_llm(catalogue: dict[str, Any], articles: list[dict[str, Any]]) -> None:
    # ---- LLM HOOK (to be wired with the LLM extractor) -----------------------------------
    # When OPENAI_BASE_URL and OPENAI_API_KEY are configured: run the LLM extractor on
    # `articles` with context_for(article, catalogue), score it with score_article exactly as
    # evaluate_rules does (known and overall), and print invented brands dropped and tokens
    # per article. Then run the analysis service on syndicated_sample(articles) (100 articles,
    # 30 % copies) and print "LLM calls per 100 articles at 30 % duplicates" (target <= 70).
    # ----------------------------------------------------------------------------------------
    if not (os.environ.get("OPENAI_BASE_URL") and os.environ.get("OPENAI_API_KEY")):
        print("LLM: skipped (no OPENAI_BASE_URL/OPENAI_API_KEY configured)")
        print("LLM calls per 100 articles at 30 % duplicates: skipped (needs the LLM path)")
        return
    print("LLM: configured, but the LLM evaluation is not wired yet")


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="mh-extraction-eval-") as var_dir:
        configure_environment(Path(var_dir))
        catalogue, articles = load_corpus(args.corpus)
        languages: dict[str, int] = {}
        for article in articles:
            languages[article["language"]] = languages.get(article["language"], 0) + 1
        gold_total = sum(len(a["gold"]) for a in articles)
        print(
            f"Corpus: {len(articles)} articles {languages}, {gold_total} gold brands, "
            f"{len(catalogue)} known brands in the catalogue"
        )
        rules = evaluate_rules(catalogue, articles)
        elapsed = sorted(rules["elapsed"])
        print("Rules extractor, all articles")
        print(f"  (a) known brands only: {rules['known'].line()}")
        print(f"  (b) overall:           {rules['overall'].line()}")
        for split in sorted({a.get("split", "dev") for a in articles}):
            subset = [a for a in articles if a.get("split", "dev") == split]
            scores = evaluate_rules(catalogue, subset)
            print(f"  {split} ({len(subset)} articles)")
            print(f"    (a) known brands only: {scores['known'].line()}")
            print(f"    (b) overall:           {scores['overall'].line()}")
        print(
            f"  time per article: median {elapsed[len(elapsed) // 2] * 1000:.1f} ms, "
            f"max {elapsed[-1] * 1000:.1f} ms; 200,000-word text: "
            f"{huge_text_timing(catalogue, articles):.2f} s"
        )
        if args.verbose:
            for label in ("known", "overall"):
                print(f"  errors ({label}):")
                for line in rules[label].errors:
                    print(f"    {line}")
        evaluate_llm(catalogue, articles)


if __name__ == "__main__":
    main()
