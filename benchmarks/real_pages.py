"""Brand finding on real published pages (``tests/fixtures/real_pages``): loading and scoring.

Used by ``benchmarks/extraction_eval.py``. Each page runs through the real pipeline: its HTML
goes through ``feeds.extraction.extract_article`` and the text it returns through the rules
extractor (or the LLM extractor behind a scripted OpenAI-compatible server).

Scoring (``docs/brand-labelling-guide.md`` says what the labels mean): the page's *required*
brands are the gold; a finding matching an *optional* brand is neither right nor wrong. A finding
matches a labelled brand when ``normalize_brand`` gives the same key as the brand's name, one of
its written variants or one of its aliases. Several findings of one brand count once.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import statistics
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PAGES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "real_pages"
SPLITS = (
    "dev",
    "holdout",
    "dev2",
    "holdout2",
    "holdout3",
    "holdout4",
    "holdout5",
    "holdout6",
    "holdout7",
    "holdout8",
    "holdout9",
    "holdout10",
    "holdout11",
    "holdout12",
    "holdout13",
    "holdout14",
    "holdout15",
    "holdout16",
    "holdout17",
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


WEEKDAYS = _words(
    "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thurs fri sat "
    "sun montag dienstag mittwoch donnerstag freitag samstag sonntag lundi mardi mercredi jeudi "
    "vendredi samedi dimanche lunes martes miercoles jueves viernes sabado domingo"
)
MONTHS = _words(
    "january february march april may june july august september october november december jan "
    "feb mar apr jun jul aug sep sept oct nov dec januar februar marz juni juli oktober dezember "
    "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre enero "
    "febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre"
)
DEGREES = _words(
    "phd ph d mba bsc msc ba ma bs ms md jd llb llm dphil bachelor bachelors master masters "
    "doctorate doctor diploma"
)
JOB_WORDS = _words(
    "ceo cfo cto coo cmo cio ciso chief executive officer president vice director manager editor "
    "professor prof chairman chairwoman chair secretary minister spokesman spokeswoman "
    "spokesperson analyst engineer founder cofounder co head senior junior lead principal "
    "partner counsel attorney governor senator mayor inspector commissioner deputy assistant "
    "associate correspondent reporter columnist producer consultant specialist supervisor"
)
_CONNECTORS = _words("of the and for in at")
_APOSTROPHES = {ord(c): "'" for c in "\u2018\u2019\u02bc\u2032`"}
JUNK_CATEGORIES = (
    "weekday",
    "month",
    "single letter",
    "degree",
    "job title",
    "person",
    "place",
    "institution",
    "fragment of a longer name",
    "common noun phrase",
)


@dataclass(frozen=True)
class GoldBrand:
    name: str
    keys: frozenset[str]
    required: bool
    industry: str


@dataclass
class Page:
    id: str
    split: str
    language: str
    sentiment: str
    title: str
    text: str
    brands: list[GoldBrand]
    not_brands: dict[str, str]  # normalised name -> person / place / institution / other
    labelled_names: tuple[str, ...]  # normalised names of every labelled brand and not-brand

    @property
    def required(self) -> list[GoldBrand]:
        return [b for b in self.brands if b.required]


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def line(self) -> str:
        return (
            f"precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}  "
            f"(TP {self.tp}, FP {self.fp}, FN {self.fn})"
        )


def brand_keys(entry: dict[str, Any]) -> frozenset[str]:
    from reports.normalize import normalize_brand

    forms = [entry["name"], *entry.get("variants", ()), *entry.get("aliases", ())]
    return frozenset(k for k in map(normalize_brand, forms) if k)


def label_files(folder: Path = PAGES) -> list[Path]:
    """The labelled pages' ``labels.json``. A page whose labels are still pending (committed
    with its metadata only, no ``brands`` key: holdout15 before labelling) is left out, so no
    eval, benchmark or test that loads pages ever runs the app's code on it."""
    return [
        path
        for path in sorted(folder.glob("*/labels.json"))
        if "brands" in json.loads(path.read_text(encoding="utf-8"))
    ]


def page_html(folder: Path) -> bytes:
    plain = folder / "source.html"
    if plain.exists():
        return plain.read_bytes()
    return gzip.decompress((folder / "source.html.gz").read_bytes())


def split_checksum(split: dict[str, str]) -> str:
    """SHA-1 of the id -> split map, one ``id split`` line per page in id order."""
    lines = "".join(f"{pid} {split[pid]}\n" for pid in sorted(split))
    return hashlib.sha1(lines.encode(), usedforsecurity=False).hexdigest()


def page_from_labels(labels: dict[str, Any], title: str, text: str) -> Page:
    from reports.normalize import normalize_brand

    brands = [
        GoldBrand(b["name"], brand_keys(b), bool(b["required"]), b["industry"])
        for b in labels["brands"]
    ]
    not_brands = {normalize_brand(n["name"]): n["category"] for n in labels["not_brands"]}
    names = {k for b in brands for k in b.keys} | set(not_brands)
    return Page(
        id=labels["id"],
        split=labels["split"],
        language=labels["language"],
        sentiment=labels["sentiment"],
        title=title,
        text=text,
        brands=brands,
        not_brands=not_brands,
        labelled_names=tuple(sorted(n for n in names if n)),
    )


def load_pages(
    folder: Path = PAGES, *, split: str = "all", ids: set[str] | None = None
) -> list[Page]:
    """The labelled pages, each run through the app's text extraction (as fetched pages are)."""
    from feeds.extraction import extract_article

    pages = []
    for path in label_files(folder):
        labels = json.loads(path.read_text(encoding="utf-8"))
        if (split != "all" and labels["split"] != split) or (ids and labels["id"] not in ids):
            continue
        url = labels.get("url") or f"https://example.org/{labels['id']}"
        article = extract_article(page_html(path.parent), url=url)
        title, text = (article.title, article.text) if article else ("", "")
        pages.append(page_from_labels(labels, title, text))
    return pages


def score_page(
    page_id: str, brands: list[GoldBrand], predicted: list[str], score: Score
) -> list[str]:
    """Add one page's findings to ``score``; returns the false positives."""
    from reports.normalize import normalize_brand

    ordered = sorted(range(len(brands)), key=lambda i: not brands[i].required)
    found: set[int] = set()
    false_positives = []
    for name in dict.fromkeys(predicted):
        key = normalize_brand(name)
        hit = next((i for i in ordered if key in brands[i].keys), None)
        if hit is None:
            false_positives.append(name)
        elif brands[hit].required:
            found.add(hit)
    missed = [b.name for i, b in enumerate(brands) if b.required and i not in found]
    score.tp += len(found)
    score.fp += len(false_positives)
    score.fn += len(missed)
    if false_positives or missed:
        score.errors.append(
            f"{page_id}: missed {missed or '-'}; false positives {false_positives or '-'}"
        )
    return false_positives


def word_match(text: str, names: list[str]) -> list[str]:
    """The plain baseline: every name found as a whole word, case-insensitively."""
    folded = text.translate(_APOSTROPHES)  # Typographic apostrophes are a byte, not a word.
    return [
        name
        for name in names
        if re.search(
            rf"(?<!\w){re.escape(name.translate(_APOSTROPHES))}(?!\w)", folded, re.IGNORECASE
        )
    ]


def junk_category(name: str, page: Page) -> str | None:
    """Which kind of junk a false positive is (the categories of issue #11 item 5), or None."""
    from reports.extractors.wordlists import COMMON_WORDS
    from reports.normalize import normalize_brand

    key = normalize_brand(name)
    words = key.split()
    if key in page.not_brands:
        category = page.not_brands[key]
        return category if category != "other" else "labelled other (title, event, term)"
    if len(key.replace(" ", "")) <= 1:
        return "single letter"
    if words and all(w in WEEKDAYS for w in words):
        return "weekday"
    if words and all(w in MONTHS for w in words):
        return "month"
    if words and all(w in DEGREES for w in words):
        return "degree"
    if any(w in JOB_WORDS for w in words) and all(w in JOB_WORDS | _CONNECTORS for w in words):
        return "job title"
    for longer in page.labelled_names:
        whole = longer.split()
        if len(whole) > len(words) and any(
            whole[i : i + len(words)] == words for i in range(len(whole) - len(words) + 1)
        ):
            return "fragment of a longer name"
    # Every word in the general list, or written in lowercase elsewhere in the page ("Gunmen
    # opened fire" at a sentence start, "two gunmen" later): a common noun phrase.
    lowercase = set(re.findall(r"(?<![\w'])[a-z][a-z'-]*", page.text))
    if words and all(w in COMMON_WORDS or w in lowercase for w in words):
        return "common noun phrase"
    return None


def known_list(pages: list[Page]) -> list[str]:
    """The organization's tracked list for a run: every gold (required) brand of the pages run,
    by its canonical name only (no variants, no aliases), one list for all of them."""
    return sorted({b.name for page in pages for b in page.required})


def run_rules(
    pages: list[Page], known: list[str], knowledge: Any = None, *, confirmed_only: bool = False
) -> dict[str, Any]:
    from reports.extractors.base import ExtractionContext, KnownBrand
    from reports.extractors.rules import RulesExtractor

    context = ExtractionContext(
        known_brands=tuple(KnownBrand(brand_id=i, name=n) for i, n in enumerate(known, 1)),
        knowledge=knowledge,
        confirmed_only=confirmed_only,
    )
    extractor = RulesExtractor()
    results, elapsed = {}, []
    for page in pages:
        began = time.perf_counter()
        results[page.id] = extractor.extract(
            text=page.text, title=page.title, language=page.language, context=context
        )
        elapsed.append(time.perf_counter() - began)
    return {"results": results, "median_ms": statistics.median(elapsed) * 1000 if elapsed else 0}


@dataclass
class DiscoveryReport:
    score: Score
    junk: Counter[str]
    junk_examples: dict[str, list[str]]
    confident: int  # findings at confidence >= 0.7 that are scored (not optional brands)
    confident_right: int
    sentiment_agree: int
    median_ms: float
    # (labelled, predicted) -> pages: where the article sentiment goes wrong, not only how often.
    sentiment_confusion: Counter[tuple[str, str]] = field(default_factory=Counter)
    # (agreeing, pages) over the English pages: the rules path has a lexicon only for English
    # and calls every other page neutral, so this is what the method itself achieves.
    sentiment_english: tuple[int, int] = (0, 0)


def evaluate_discovery(
    pages: list[Page], knowledge: Any = None, *, confirmed_only: bool = False
) -> DiscoveryReport:
    from reports.normalize import normalize_brand

    run = run_rules(pages, [], knowledge, confirmed_only=confirmed_only)
    score = Score()
    junk: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    confident = confident_right = agree = english_agree = english_pages = 0
    confusion: Counter[tuple[str, str]] = Counter()
    for page in pages:
        result = run["results"][page.id]
        false_positives = score_page(page.id, page.brands, [f.name for f in result.brands], score)
        for name in dict.fromkeys(false_positives):
            category = junk_category(name, page)
            if category:
                junk[category] += 1
                examples.setdefault(category, []).append(name)
        optional = {k for b in page.brands if not b.required for k in b.keys}
        for finding in result.brands:
            key = normalize_brand(finding.name)
            if finding.confidence >= 0.7 and key not in optional:
                confident += 1
                confident_right += any(key in b.keys for b in page.required)
        agree += result.sentiment_label == page.sentiment
        confusion[(page.sentiment, result.sentiment_label)] += 1
        if page.language == "en" or page.language.startswith("en-"):
            english_pages += 1
            english_agree += result.sentiment_label == page.sentiment
    return DiscoveryReport(
        score,
        junk,
        examples,
        confident,
        confident_right,
        agree,
        run["median_ms"],
        confusion,
        (english_agree, english_pages),
    )


def evaluate_tracked(pages: list[Page], knowledge: Any = None) -> tuple[Score, Score, float]:
    """(rules extractor, plain word match baseline, median ms) with every labelled brand known."""
    known = known_list(pages)
    run = run_rules(pages, known, knowledge)
    rules, baseline = Score(), Score()
    for page in pages:
        linked = [f.name for f in run["results"][page.id].brands if f.brand_id is not None]
        score_page(page.id, page.brands, linked, rules)
        score_page(page.id, page.brands, word_match(page.text, known), baseline)
    return rules, baseline, run["median_ms"]


INVENTED = (
    "Zentrix Labs",
    "Quorvane",
    "Halvora Foods",
    "Brindlecast",
    "Merrowgate Capital",
    "Ostrava Motors",
    "Plimsoll & Vane",
    "Taskwell",
    "Corvantis",
    "Lumeria Health",
)


def quote_for(text: str, forms: list[str]) -> str | None:
    """A sentence of ``text`` naming one of ``forms`` (the canonical name first), or None.

    A page may write "ガ" as "カ" + U+3099; a model quotes it composed, so the sentence is then
    taken from the composed (NFC) text."""
    quote = _quote(text, forms)
    composed = unicodedata.normalize("NFC", text)
    if quote is None and composed != text:
        quote = _quote(composed, [unicodedata.normalize("NFC", f) for f in forms])
    return quote


def _quote(text: str, forms: list[str]) -> str | None:
    from reports.evidence import sentence_around

    folded = text.translate(_APOSTROPHES)  # Same length: offsets are the text's.
    for form in (f.translate(_APOSTROPHES) for f in forms):
        match = re.search(rf"(?<!\w){re.escape(form)}(?!\w)", folded, flags=re.IGNORECASE)
        at = (match.start(), match.end()) if match else None
        if at is None and (found := folded.lower().find(form.lower())) >= 0:
            at = (found, found + len(form))  # Scripts without spaces (Japanese, Chinese).
        if at:
            start, end = sentence_around(text, *at)
            return text[start:end]
    return None


def scripted_answer(
    page: Page, labels: dict[str, Any]
) -> tuple[dict[str, Any], list[str], int, int]:
    """What the scripted model answers for a page: every gold brand by its canonical name with a
    sentence of the text naming it as written (the headline when only the headline does), plus
    two invented brands (one quoting a real sentence, one quoting a sentence that is not in the
    text). Returns (answer, invented names, gold brands named only in the title, gold brands
    named in neither the title nor the extracted text — a labelled table the extraction drops:
    no model can quote them, and the answer's headline quote for them is rightly refused)."""
    from reports.evidence import sentences

    brands, title_only, unseen = [], 0, 0
    for entry in labels["brands"]:
        if not entry["required"]:
            continue
        forms = [entry["name"], *entry["variants"]]
        quote = quote_for(page.text, forms)
        if quote is None:
            if quote_for(page.title, forms) is None:
                unseen += 1
            else:
                title_only += 1
            quote = page.title
        brands.append(
            {
                "name": entry["name"],
                "evidence": quote,
                "confidence": 0.9,
                "sentiment": 0.0,
                "industry": entry["industry"],
            }
        )
    seed = int(hashlib.sha1(page.id.encode(), usedforsecurity=False).hexdigest(), 16)
    folded = page.text.casefold()
    candidates = [n for n in INVENTED if n.casefold() not in folded]
    invented = [candidates[seed % len(candidates)], candidates[(seed // 7 + 1) % len(candidates)]]
    if invented[0] == invented[1]:
        invented[1] = candidates[(seed + 1) % len(candidates)]
    first = next(iter(sentences(page.text)), (0, min(len(page.text), 120)))
    real_sentence = page.text[first[0] : first[1]] or page.title
    brands.append(
        {
            "name": invented[0],
            "evidence": real_sentence,
            "confidence": 0.8,
            "sentiment": 0.0,
            "industry": "",
        }
    )
    brands.append(
        {
            "name": invented[1],
            "evidence": f"{invented[1]} announced a partnership.",
            "confidence": 0.8,
            "sentiment": 0.0,
            "industry": "",
        }
    )
    answer = {"summary": "", "topic": "", "sentiment": 0.0, "brands": brands}
    return answer, invented, title_only, unseen


@dataclass
class LLMReport:
    gold: int = 0
    kept: int = 0
    title_only: int = 0
    unseen: int = 0  # named in neither the title nor the extracted text (see scripted_answer)
    invented: int = 0
    dropped: int = 0
    lost: list[str] = field(default_factory=list)


def evaluate_llm(pages: list[Page], folder: Path = PAGES, knowledge: Any = None) -> LLMReport:
    """The LLM extractor behind the project's scripted OpenAI-compatible test server."""
    import openai

    from reports.extractors.base import ExtractionContext
    from reports.extractors.llm import LLMExtractor
    from reports.models import DEFAULT_INDUSTRIES
    from reports.normalize import normalize_brand
    from tests.harness.openai_server import FakeOpenAIServer

    report = LLMReport()
    context = ExtractionContext(industries=DEFAULT_INDUSTRIES, knowledge=knowledge)
    with FakeOpenAIServer() as server:
        client = openai.OpenAI(api_key="eval", base_url=server.base_url, max_retries=0)
        extractor = LLMExtractor(client=client, model="scripted")
        for page in pages:
            labels = json.loads((folder / page.id / "labels.json").read_text(encoding="utf-8"))
            answer, invented, title_only, unseen = scripted_answer(page, labels)
            server.reply_json(answer)
            result = extractor.extract(
                text=page.text, title=page.title, language=page.language, context=context
            )
            kept = {normalize_brand(f.name) for f in result.brands}
            gold = [b for b in page.brands if b.required]
            report.gold += len(gold)
            report.title_only += title_only
            report.unseen += unseen
            for brand in gold:
                if normalize_brand(brand.name) in kept:
                    report.kept += 1
                else:
                    report.lost.append(f"{page.id}: {brand.name}")
            report.invented += len(invented)
            report.dropped += sum(normalize_brand(n) not in kept for n in invented)
    return report
