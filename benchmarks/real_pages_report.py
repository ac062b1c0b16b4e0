"""Prints the real-page figures of ``benchmarks/extraction_eval.py`` (see its docstring)."""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.real_pages import (
    JUNK_CATEGORIES,
    PAGES,
    SPLITS,
    Page,
    evaluate_discovery,
    evaluate_llm,
    evaluate_tracked,
    known_list,
    load_pages,
)


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "n/a"


SENTIMENTS = ("positive", "neutral", "negative")


def print_confusion(confusion: Counter[tuple[str, str]]) -> None:
    """Rows: the labelled sentiment; columns: what the rules path said; and each class's recall."""
    corner = "labelled \\ said"
    print(f"    {corner:<18}" + "".join(f"{s:>10}" for s in SENTIMENTS) + "    right")
    for gold in SENTIMENTS:
        row = [confusion[(gold, said)] for said in SENTIMENTS]
        right = _percent(confusion[(gold, gold)], sum(row))
        print(f"    {gold:<18}" + "".join(f"{n:>10}" for n in row) + f"    {right}")


def report_split(
    name: str, pages: list[Page], folder: Path, *, verbose: bool, knowledge: Any = None
) -> None:
    required = sum(len(p.required) for p in pages)
    optional = sum(len(p.brands) for p in pages) - required
    print(f"== {name}: {len(pages)} pages, {required} required brands ({optional} optional)")
    tracked, baseline, tracked_ms = evaluate_tracked(pages, knowledge)
    tracked_label = f"tracked ({len(known_list(pages))} names known, rules):"
    print(f"  {tracked_label:<40} {tracked.line()}")
    print(f"  {'plain word match of the same list:':<40} {baseline.line()}")
    discovery = evaluate_discovery(pages)
    print(f"  {'discovery (nothing known, rules):':<40} {discovery.score.line()}")
    if knowledge is not None:
        # What an installation with the knowledge base loaded gets (make run loads it).
        confirmed = evaluate_discovery(pages, knowledge, confirmed_only=True)
        label = "discovery (KB-confirmed only, setting):"
        print(f"  {label:<40} {confirmed.score.line()}")
        discovery = evaluate_discovery(pages, knowledge)
        print(f"  {'discovery (nothing tracked, with KB):':<40} {discovery.score.line()}")
    print(
        f"    findings at confidence >= 0.7: {discovery.confident}, right "
        f"{_percent(discovery.confident_right, discovery.confident)}"
    )
    junk_total = sum(discovery.junk[c] for c in JUNK_CATEGORIES)
    print(f"    junk (false positives of issue #11 item 5 categories): {junk_total}")
    for category in (*JUNK_CATEGORIES, "labelled other (title, event, term)"):
        if discovery.junk[category]:
            shown = ", ".join(repr(e) for e in discovery.junk_examples[category][:6])
            print(f"      {category}: {discovery.junk[category]} (e.g. {shown})")
    llm = evaluate_llm(pages, folder, knowledge)
    print(
        f"  LLM with a scripted server: gold kept {_percent(llm.kept, llm.gold)} "
        f"({llm.kept}/{llm.gold}; {llm.title_only} named only in the title, {llm.unseen} in "
        f"neither the title nor the extracted text), invented dropped "
        f"{_percent(llm.dropped, llm.invented)} ({llm.dropped}/{llm.invented})"
    )
    english_agree, english_pages = discovery.sentiment_english
    print(
        f"  article sentiment agreement: {_percent(discovery.sentiment_agree, len(pages))} "
        f"({discovery.sentiment_agree}/{len(pages)}); English pages "
        f"{_percent(english_agree, english_pages)} ({english_agree}/{english_pages}), the others "
        "are always neutral"
    )
    print_confusion(discovery.sentiment_confusion)
    print(
        f"  analysis time per article: median {tracked_ms:.1f} ms tracked, "
        f"{discovery.median_ms:.1f} ms discovery"
    )
    if verbose:
        for label, score in (
            ("tracked", tracked),
            ("plain word match", baseline),
            ("discovery", discovery.score),
        ):
            print(f"  errors ({label}):")
            for line in score.errors:
                print(f"    {line}")
        if llm.lost:
            print("  LLM gold brands dropped:")
            for line in llm.lost:
                print(f"    {line}")


def report_real_pages(args: argparse.Namespace) -> None:
    import logging  # Here: run as a script, benchmarks/logging.py would shadow it at the top.

    for name in ("httpx", "httpx2", "httpcore", "httpcore2"):
        logging.getLogger(name).setLevel(logging.WARNING)
    folder = args.pages or PAGES
    ids = {i.strip() for i in args.ids.split(",") if i.strip()} or None
    # --split dev never even extracts the holdout pages: nothing of them reaches the screen.
    pages = load_pages(folder, split=args.split or "all", ids=ids)
    languages = Counter(p.language for p in pages)
    empty = [p.id for p in pages if not p.text]
    print(
        f"Real pages ({folder}): {len(pages)} pages "
        f"({', '.join(f'{s} {sum(p.split == s for p in pages)}' for s in SPLITS)}), "
        f"languages {dict(languages.most_common())}; text extraction failed on {len(empty)}"
        f"{' ' + str(empty) if empty else ''}"
    )
    knowledge = None if args.no_knowledge else load_knowledge()
    wanted = [args.split] if args.split else [*SPLITS, "all"]
    for split in wanted:
        subset = pages if split == "all" else [p for p in pages if p.split == split]
        if subset:
            report_split(split, subset, folder, verbose=args.verbose, knowledge=knowledge)


def load_knowledge() -> Any:
    """The brand knowledge base, loaded into this run's throwaway database from the installed
    packages as `make run` loads it; None (said) when they are not installed."""
    import time

    from django.core.management import call_command

    from reports.knowledge.index import get_index

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_brand_knowledge", skip_missing=True, verbosity=0)
    index = get_index()
    took = time.perf_counter() - started
    if index is None:
        print("Knowledge base: not loaded (packages missing); discovery runs without it.")
    else:
        print(
            f"Knowledge base: {index.size:,} written forms of {index.entries:,} brands "
            f"({took:.0f} s to load)"
        )
    return index
