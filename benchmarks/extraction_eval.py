"""Brand extraction quality: precision, recall and F1 on real published pages (the default) or
on the in-house corpus (--in-house).

    .venv/bin/python benchmarks/extraction_eval.py [--split SPLIT] [--verbose]
    .venv/bin/python benchmarks/extraction_eval.py --in-house [--verbose] [--corpus DIR]

Real pages (tests/fixtures/real_pages, labelled by docs/brand-labelling-guide.md): each page's
HTML goes through feeds.extraction.extract_article, then the text through the extractors, per
split (dev, holdout, dev2, holdout2, holdout3, holdout4, all). Printed for each split:

  tracked    every gold brand of the pages run is known, by canonical name only; only
             findings linked to a known brand are scored;
  baseline   a plain case-insensitive whole-word match of the same list on the same text;
  discovery  nothing known; every finding is scored, and its false positives are sorted into
             junk categories (weekday, month, single letter, degree, job title, person, place,
             institution, fragment of a longer name, common noun phrase);
  LLM        the LLM extractor behind the project's scripted OpenAI-compatible server, which
             answers every gold brand by its canonical name with a sentence of the text naming
             it, plus two invented brands: % of gold kept, % of invented dropped;
  sentiment  agreement of the rules extractor's article sentiment with the labels, on every page
             and on the English pages alone, and the confusion table;
  time       median analysis time per article.

Required brands are the gold; finding an optional one is neither right nor wrong. dev,
holdout, dev2, holdout2 and holdout3 are tuning data (discovery's scorer is fitted on them,
benchmarks/train_discovery.py); holdout4 (77 fresh pages, chosen and committed before labelling
in session 9) gives the figures reported.
--verbose prints every page's misses and false positives.

In-house corpus (--in-house, tests/fixtures/extraction_corpus, written by us): (a) known brands
only and (b) overall, per split, plus the LLM call count at 30 % duplicates and, with
OPENAI_BASE_URL and OPENAI_API_KEY set, a real model's quality. A gold entry may list other
names of the same entity (``gold_aliases``).
No timed assertions: it prints figures and exits 0.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import sys
import tempfile
import time
from dataclasses import dataclass, field
from decimal import Decimal
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


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from benchmarks.real_pages import SPLITS  # the one list of splits (the tests pin it)

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--verbose", action="store_true", help="per-article errors")
    parser.add_argument(
        "--in-house", action="store_true", help="the in-house corpus instead of real pages"
    )
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="in-house corpus folder")
    parser.add_argument("--pages", type=Path, default=None, help="real-page folder")
    parser.add_argument(
        "--split",
        choices=(*SPLITS, "all"),
        default=None,
        help="only this split",
    )
    parser.add_argument("--ids", default="", help="only these page ids (comma-separated)")
    parser.add_argument(
        "--no-knowledge", action="store_true", help="skip loading the brand knowledge base"
    )
    return parser.parse_args(argv)


def configure_environment(var_dir: Path) -> None:
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "marketing_hunting.settings",
            "VAR_DIR": str(var_dir),
            "DEBUG": "false",
            "SECRET_KEY": "extraction-eval-dummy-secret-key-not-for-production",
            # The duplicate benchmark serves its pages from 127.0.0.1.
            "OUTBOUND_ALLOW_PRIVATE_ADDRESSES": "true",
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


def _page(article: dict[str, Any]) -> str:
    paragraphs = "".join(
        f"<p>{html.escape(part)}</p>" for part in article["text"].split("\n\n") if part.strip()
    )
    return (
        f'<!doctype html><html lang="{article["language"]}"><head><meta charset="utf-8">'
        f"<title>{html.escape(article['title'])}</title></head><body>"
        '<nav><a href="/">Home</a> <a href="/business">Business</a></nav>'
        f"<article><h1>{html.escape(article['title'])}</h1>{paragraphs}</article>"
        "<footer>All rights reserved.</footer></body></html>"
    )


def _rss(items: list[tuple[str, str]]) -> str:
    entries = "".join(
        f"<item><title>{html.escape(title)}</title><link>{html.escape(link)}</link></item>"
        for title, link in items
    )
    channel = f"<channel><title>Wire</title>{entries}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'


def _sized_answer(answer: dict[str, Any]) -> Any:
    """A scripted completion whose usage counts the request's prompt as the project estimates
    tokens (~4 characters each) and the answer's length, so costs follow the articles."""
    from reports.extractors.llm import estimate_tokens
    from tests.harness.openai_server import json_completion

    content = json.dumps(answer)

    def respond(request: Any) -> Any:
        try:
            messages = request.json().get("messages", [])
        except ValueError:
            messages = []
        prompt = sum(estimate_tokens(str(m.get("content") or "")) for m in messages)
        return json_completion(
            answer, prompt_tokens=prompt, completion_tokens=estimate_tokens(content)
        )(request)

    return respond


def llm_calls_per_100(articles: list[dict[str, Any]]) -> dict[str, Any]:
    """Run the real pipeline (fetch, extract, dedupe, analyse) on 100 articles of which 30 %
    are syndicated copies, with a local OpenAI-compatible server counting the calls; then
    the same articles again in economy mode (answer cache emptied), through the scripted
    server's Batch API, to price both modes per 1,000 articles.

    The call count depends on our cost control (dedupe, cache), not on the model, so a
    scripted server measures it honestly; the costs come from the token counts it reports
    (the prompts' estimated size) and LLM_PRICES for the default model.
    """
    from django.conf import settings
    from django.core.management import call_command
    from django.db.models import Sum

    from accounts.models import AnalysisMode
    from accounts.services import organization_create
    from feeds.models import Article, Feed
    from feeds.services.extract import articles_extract
    from feeds.services.refresh import feed_refresh
    from reports.economy.services import llm_batches_run
    from reports.models import ExtractionCache, Report, ReportMode
    from reports.services.analyse import AnalysisOptions, reports_analyse
    from tests.harness.http_server import LocalHTTPServer, Reply
    from tests.harness.openai_server import FakeOpenAIServer

    call_command("migrate", verbosity=0)
    import logging  # Here, after the sys.path fix above: benchmarks/logging.py shadows it.

    # The openai client's HTTP library logs every request at INFO.
    for name in ("httpx", "httpx2", "httpcore", "httpcore2"):
        logging.getLogger(name).setLevel(logging.WARNING)
    sample = syndicated_sample(articles)
    empty_answer = {"summary": "", "topic": "", "sentiment": 0, "brands": []}
    with (
        LocalHTTPServer() as server,
        FakeOpenAIServer(default_reply=_sized_answer(empty_answer)) as fake,
    ):
        settings.OPENAI_BASE_URL = fake.base_url
        settings.OPENAI_API_KEY = "benchmark"
        feeds: dict[str, list[tuple[str, str]]] = {"/wire.xml": [], "/partner.xml": []}
        for number, article in enumerate(sample):
            path = f"/story-{number}"
            server.add_route(
                path, Reply(body=_page(article), headers={"Content-Type": "text/html"})
            )
            feed = "/partner.xml" if article.get("copy_of") else "/wire.xml"
            feeds[feed].append((article["title"], server.url_for(path)))
        organization = organization_create(name="Benchmark")
        for path, items in feeds.items():
            server.add_route(path, Reply(body=_rss(items)))
            feed = Feed.objects.create(
                organization=organization,
                name=path,
                url=server.url_for(path),
                max_articles_per_run=200,
            )
            new_ids = feed_refresh(feed=feed).new_article_ids
            articles_extract(article_ids=new_ids)
        ids = list(Article.objects.filter(organization=organization).values_list("id", flat=True))
        reports = reports_analyse(article_ids=ids)
        copies = Article.objects.filter(duplicate_of__isnull=False).count()
        calls = len(fake.requests)
        mine = Report.objects.filter(organization=organization)
        standard = mine.aggregate(cost=Sum("cost_estimate"))["cost"] or 0

        ExtractionCache.objects.all().delete()
        organization.analysis_mode = AnalysisMode.ECONOMY
        organization.save(update_fields=["analysis_mode"])
        reports_analyse(article_ids=ids, options=AnalysisOptions(reanalyse=True))
        llm_batches_run()  # submits
        llm_batches_run()  # the scripted batch finishes at its first poll: applied
        economy_reports = mine.filter(mode=ReportMode.ECONOMY)
        economy = economy_reports.aggregate(cost=Sum("cost_estimate"))["cost"] or 0
        return {
            "calls": calls,
            "reports": len(reports),
            "copies": copies,
            "articles": len(ids),
            "standard": standard,
            "economy": economy,
            "economy_reports": economy_reports.count(),
            "model": settings.OPENAI_MODEL,
            "discount": settings.LLM_BATCH_DISCOUNT,
        }


def evaluate_llm(catalogue: dict[str, Any], articles: list[dict[str, Any]]) -> None:
    run = llm_calls_per_100(articles)
    print(
        f"LLM calls per 100 articles at 30 % duplicates: {run['calls']} "
        f"({run['reports']} reports; {run['copies']} copies detected as syndicated; "
        "target <= 70)"
    )
    per_1000 = 1000 / max(1, run["articles"])
    print(
        f"LLM cost per 1,000 articles ({run['model']}, same articles and duplicates): "
        f"standard ${run['standard'] * Decimal(per_1000):.4f}, "
        f"economy (batch, {run['discount']:.0%} off) ${run['economy'] * Decimal(per_1000):.4f} "
        f"({run['economy_reports']} reports answered by the batch)"
    )
    base_url = os.environ.get("OPENAI_BASE_URL")
    if not (base_url and os.environ.get("OPENAI_API_KEY")):
        print("LLM quality: skipped (set OPENAI_BASE_URL and OPENAI_API_KEY to evaluate a model)")
        return
    from django.conf import settings

    from reports.extractors.llm import LLMExtractor
    from reports.normalize import normalize_brand

    settings.OPENAI_BASE_URL = base_url
    settings.OPENAI_API_KEY = os.environ["OPENAI_API_KEY"]
    extractor = LLMExtractor()
    known, overall = Score(), Score()
    dropped = tokens = 0
    for article in articles:
        context = context_for(article, catalogue)
        result = extractor.extract(
            text=article["text"],
            title=article["title"],
            language=article["language"],
            context=context,
        )
        dropped += result.invented_dropped
        tokens += result.tokens_in + result.tokens_out
        known_keys = {
            normalize_brand(n) for b in context.known_brands for n in (b.name, *b.aliases)
        }
        names = [finding.name for finding in result.brands]
        gold = gold_entries(article, known_keys)
        known_gold = {k: v for k, v in gold.items() if v & known_keys}
        score_article(
            article, [n for n in names if normalize_brand(n) in known_keys], known_gold, known
        )
        score_article(article, names, gold, overall)
    print(f"LLM extractor ({extractor.model}), all articles")
    print(f"  (a) known brands only: {known.line()}")
    print(f"  (b) overall:           {overall.line()}")
    print(f"  invented brands dropped: {dropped}; tokens per article: {tokens / len(articles):.0f}")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mh-extraction-eval-") as var_dir:
        configure_environment(Path(var_dir))
        if args.in_house:
            in_house(args)
        else:
            from benchmarks.real_pages_report import report_real_pages

            report_real_pages(args)


def in_house(args: argparse.Namespace) -> None:
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
