"""Fit discovery's scorer (reports/extractors/discovery_model.json) on the labelled real pages.

    .venv/bin/python benchmarks/train_discovery.py [--check] [--misses] [--rules] [--dump FILE]

Every candidate name discovery scores on the tuning pages becomes one example: its features
(reports/extractors/discovery_features.py) and whether the page's labels call it a required
brand (1), something else (0) or an optional brand (left out: neither right nor wrong). A
logistic regression (scikit-learn, a development dependency; the app reads the weights with no
library) is fitted on them.

Before fitting on everything it estimates how the scorer does on pages it has not seen: each
tuning split in turn is left out, the scorer is fitted on the others and scores the one left
out. Those scores are then calibrated (Platt scaling fitted on the FRESH_SPLITS' out-of-fold
scores, each fresh split's with the scaling of the other fresh ones; the app applies the
scaling of all): a confidence of 0.7 should be right seven times in ten on a new page, not on
the pages the rules were drawn from. The threshold is chosen from those calibrated
out-of-fold scores by a rule, not by hand: the lowest threshold at which the precision on the
FRESH_SPLITS, pooled, reaches TARGET_PRECISION (the issue's 0.80) **with its sampling error**:
the one-sided 95 % Wilson lower bound of the pooled precision (names right among the names
reported) must reach 0.80 (session 15), and the pooled junk there must be at most
JUNK_PER_PAGE names per page (session 16). Those are the splits no hand-written rule of discovery
was drawn from; the older splits shaped the candidate rules for years, so their out-of-fold
precision (0.89-0.96) flatters, while the fresh ones say what a new page gets.

Why a bound and not the pooled precision itself (sessions 9-14): the pooled figure is an
estimate from some 450 names, and a rule that stops where the estimate touches 0.80 stops
where a new set of pages falls under the target about half the time (holdout9 and holdout10
were reported at 0.56 and 0.68 with the threshold it chose), and it flips with any small
change: a change that only removed wrong names lowered the threshold a step and added junk
(session 14's identifiers; session 15's first round of fixes: 0.55 -> 0.50, junk 61 -> 76). The
bound stays put near the edge. Measured by choosing the threshold on seven fresh splits and
reading the eighth, each in turn (P/R/F1 and junk of the split left out, ``--rules``), on three
states of the code (main before session 15; the first round of its fixes; all of them):

    held-out splits under 0.80, mean F1, junk   pooled >= 0.80    95 % Wilson bound >= 0.80
    main (0993574)                              3, 0.438, 64      3, 0.409, 53
    first round of fixes                        4, 0.445, 65      2, 0.433, 53
    all fixes (session 15's code)               2, 0.446, 59      2, 0.436, 51

Never more splits under the target, 8-12 fewer junk names, for 0.010-0.029 of F1 (the F1
target, 0.50, is out of reach at any threshold: at best 0.46 pooled). Stricter rules measured
the same way (pooled >= 0.85, the worst split >= 0.70) gave 2 under at F1 0.426-0.431 with 45-46
junk on session 15's code; the lower median split >= 0.80 gave 4 under. On session 15's code
the bound and the old rule choose the same 0.55.

Why junk per page too (session 16): junk (issue #11: places, institutions, fragments of longer
names, people, words, and names the labels call "other") is about 70 % of the wrong names at
every threshold, and the features do not tell it from the other wrong names (weighting it x2,
x3, x5 in the fit moved out-of-fold junk by +-5 at a fixed threshold, within a refit's noise;
not kept). Rules that remove junk raise precision, and the precision bound alone then steps
the threshold down until the junk is back: with session 16's rules it chose 0.525 and 92 junk
names (84 at 0.55 before those rules). So the threshold must also keep the pooled fresh junk
at most JUNK_PER_PAGE per page (pages counted from split.json), and the grid is 0.025 (0.05
before: the step from 0.60 to 0.65 cost 0.02 of F1 for 11 junk names). JUNK_PER_PAGE = 0.10 is
five junk names per 50-page holdout, the best a reported holdout has shown (holdout12: 5;
holdout11 7, holdout10 11, holdout9 8). Measured like the table above, on the nine fresh
splits (``--rules``), session 16's code and, in brackets, the code before its rules:

    held-out splits under 0.80, mean F1, junk       threshold on all nine fresh splits
    the bound alone                  3, 0.475, 88 (4, 0.468, 84)   0.525 (0.525)
    the bound, junk per page <= 0.14 2, 0.471, 65 (2, 0.459, 63)   0.55 (0.575)
    the bound, junk per page <= 0.12 2, 0.471, 57 (2, 0.449, 59)   0.60 (0.625)
    the bound, junk per page <= 0.10 2, 0.463, 51 (2, 0.427, 49)   0.625 (0.675)
    the bound, junk per page <= 0.08 2, 0.430, 41 (1, 0.385, 40)   0.70 (0.75)

0.10 is where the junk falls below the 57 of session 15's twelve splits at the fresh F1 the
precision rule had (0.480 on all nine, 0.463 held out); 0.08 costs 0.03-0.04 more of F1. Out
of fold at 0.625: fresh P/R/F1 0.891/0.329/0.480, junk 54 (84 before session 16).

--check trains again and fails if the weights differ from the committed file by more than
rounding (the file is what this script makes from the committed pages).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
ROOT = _HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The splits tuned on. holdout4 to holdout11 were each reported once as the fresh holdout
# (sessions 9, 10, 11, 12, 13, 14, 15) and then joined them (holdout6 and holdout7 in session 12,
# holdout8 in session 13, holdout9 in session 14, holdout10 in session 15, holdout11 in session
# 16; holdout12, holdout13 and holdout14 in session 17, once holdout14 had been read: its
# errors were then studied, so it is tuning data; holdout15, read once after session 17's
# changes, in session 18). A holdout built by someone who never tunes stays out
# until it has been reported: never read a split that is not listed here.
TRAINING_SPLITS = (
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
)
# Splits labelled after the bulk of the candidate rules were written (sessions 4-8): pages like
# these say what precision a page nobody has read gets. (Session 12's fragment rules were drawn
# from junk on holdout4-holdout7, so they flatter a little; the reported holdout is the test.
# holdout8 was reported in session 12 and is tuning data from session 13; holdout9 was reported
# in session 13 and is tuning data from session 14; holdout10, reported in session 14, from 15;
# holdout11, reported in session 15, from 16; holdout12-14, reported in sessions 16-17, from 17;
# holdout15, reported in session 17, from 18.)
FRESH_SPLITS = (
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
)
TARGET_PRECISION = 0.80
# The one-sided 95 % normal quantile: the threshold's pooled fresh precision must reach the
# target by its Wilson lower bound (docstring).
CONFIDENCE_Z = 1.6449
# The pooled fresh junk names per page the threshold may let through: five per 50-page holdout
# (docstring, "Why junk per page too").
JUNK_PER_PAGE = 0.10
THRESHOLDS = tuple(round(0.30 + 0.025 * i, 3) for i in range(25))  # 0.30, 0.325 ... 0.90
REGULARISATION = 1.0  # scikit-learn's C; 0.3 and 3 gave the same out-of-fold F1 +- 0.01


@dataclass
class Example:
    page: str
    split: str
    name: str
    features: list[float]
    label: int | None  # 1 required brand, 0 not a brand, None optional
    brand: int | None  # which required brand of the page it is
    junk: str | None = None  # a wrong name's junk category (``junk_category``), else None


def collect(
    knowledge: Any, generated: dict[str, tuple[set[str], list[frozenset[str]]]] | None = None
) -> tuple[list[Example], dict[str, int], int]:
    """Every scored candidate of the tuning pages, and each split's count of required brands
    (the recall's denominator: brands discovery never offered count as missed), and the number
    of pages. ``generated`` (for ``--misses``) receives, per page, the keys of every candidate
    mention found before any was dropped, and the keys of each required brand."""
    from benchmarks.real_pages import PAGES, junk_category, load_pages, run_rules
    from reports.extractors import discovery, rules
    from reports.normalize import normalize_brand

    pages = [p for p in load_pages(PAGES) if p.split in TRAINING_SPLITS]
    found: list[tuple[str, list[float]]] = []
    original = discovery.discover

    def collecting(*args: Any, **kwargs: Any) -> Any:
        return original(*args, **kwargs, collect=found)

    rules.discover = collecting  # type: ignore[assignment]
    mentions: list[str] = []
    original_candidates = discovery._candidates

    def recording(*args: Any, **kwargs: Any) -> Any:
        result = original_candidates(*args, **kwargs)
        mentions.extend(c.key for c in result[0])
        return result

    if generated is not None:
        discovery._candidates = recording  # type: ignore[assignment]
    examples, required = [], dict.fromkeys(TRAINING_SPLITS, 0)
    try:
        for page in pages:
            found.clear()
            mentions.clear()
            run_rules([page], [], knowledge)
            if generated is not None:
                generated[page.id] = (set(mentions), [b.keys for b in page.required])
            gold = page.required
            optional = {k for b in page.brands if not b.required for k in b.keys}
            required[page.split] += len(gold)
            for name, features in found:
                key = normalize_brand(name)
                brand = next((i for i, b in enumerate(gold) if key in b.keys), None)
                label = 1 if brand is not None else (None if key in optional else 0)
                category = junk_category(name, page) if label == 0 else None
                examples.append(
                    Example(page.id, page.split, name, features, label, brand, category)
                )
    finally:
        rules.discover = original  # type: ignore[assignment]
        discovery._candidates = original_candidates  # type: ignore[assignment]
    return examples, required, len(pages)


def fit(examples: list[Example]) -> Any:
    from sklearn.linear_model import LogisticRegression

    labelled = [e for e in examples if e.label is not None]
    return LogisticRegression(C=REGULARISATION, max_iter=5000).fit(
        [e.features for e in labelled], [e.label for e in labelled]
    )


def score(scored: list[tuple[Example, float]], threshold: float, required: int) -> dict:
    """Page-level precision and recall as the eval counts them: a brand found twice (two
    written forms) is one true positive; an optional brand is neither."""
    found = {(e.page, e.brand) for e, p in scored if p >= threshold and e.label == 1}
    wrong = sum(1 for e, p in scored if p >= threshold and e.label == 0)
    precision = len(found) / (len(found) + wrong) if found or wrong else 1.0
    recall = len(found) / required if required else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def out_of_fold(examples: list[Example]) -> list[tuple[Example, float]]:
    scored = []
    for held in TRAINING_SPLITS:
        model = fit([e for e in examples if e.split != held])
        test = [e for e in examples if e.split == held]
        if test:
            probabilities = model.predict_proba([e.features for e in test])[:, 1]
            scored.extend(zip(test, (float(p) for p in probabilities), strict=True))
    return scored


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def fit_calibration(scored: list[tuple[Example, float]]) -> tuple[float, float]:
    """Platt scaling of the out-of-fold probabilities on the FRESH_SPLITS' names: the slope
    and offset of a logistic regression of the label on the scorer's log-odds. The scorer's
    own probability is calibrated on the older splits, whose names its rules were drawn from
    (their 0.7-0.8 band right 85 % of the time, a fresh split's 60-70 %); a confidence should
    mean what it means on a page nobody has read."""
    from sklearn.linear_model import LogisticRegression

    fresh = [(e, p) for e, p in scored if e.split in FRESH_SPLITS and e.label is not None]
    if len({e.label for e, _ in fresh}) < 2:
        return 1.0, 0.0  # Nothing to calibrate on: the probability as it is.
    model = LogisticRegression(C=1e6, max_iter=5000).fit(
        [[_logit(p)] for _, p in fresh], [e.label for e, _ in fresh]
    )
    return float(model.coef_[0][0]), float(model.intercept_[0])


def calibrate(p: float, slope: float, offset: float) -> float:
    return 1.0 / (1.0 + math.exp(-(slope * _logit(p) + offset)))


def calibrated_out_of_fold(scored: list[tuple[Example, float]]) -> list[tuple[Example, float]]:
    """The out-of-fold probabilities, calibrated as the app calibrates them; each fresh split's
    with the scaling fitted on the other fresh splits' names (so that its calibration, too, is
    measured on names it was not fitted on), the older splits' with the scaling of all."""
    everywhere = fit_calibration(scored)
    result = []
    for split in TRAINING_SPLITS:
        rest = [(e, p) for e, p in scored if e.split != split]
        slope, offset = fit_calibration(rest) if split in FRESH_SPLITS else everywhere
        result.extend((e, calibrate(p, slope, offset)) for e, p in scored if e.split == split)
    return result


def wilson_lower_bound(right: int, names: int, z: float = CONFIDENCE_Z) -> float:
    """The one-sided Wilson lower confidence bound of a proportion ``right / names``."""
    if names == 0:
        return 1.0
    p = right / names
    centre = p + z * z / (2 * names)
    spread = z * math.sqrt(p * (1 - p) / names + z * z / (4 * names * names))
    return (centre - spread) / (1 + z * z / names)


def precision_bound(scored: list[tuple[Example, float]], threshold: float) -> float:
    """The Wilson lower bound of the precision at ``threshold``, counted as ``score`` counts
    it (a brand found in two written forms is one right name)."""
    found = {(e.page, e.brand) for e, p in scored if p >= threshold and e.label == 1}
    wrong = sum(1 for e, p in scored if p >= threshold and e.label == 0)
    return wilson_lower_bound(len(found), len(found) + wrong)


@cache
def pages_per_split() -> dict[str, int]:
    """How many labelled pages each split has (``split.json``; no page is read)."""
    from benchmarks.real_pages import PAGES

    split_of = json.loads((PAGES / "split.json").read_text(encoding="utf-8"))
    return dict(Counter(split_of.values()))


def junk_per_page(
    scored: list[tuple[Example, float]], splits: tuple[str, ...] | list[str], threshold: float
) -> float:
    """The junk names (wrong names of a ``junk_category``) at or above ``threshold`` on
    ``splits``, pooled, per page of those splits."""
    pages = sum(pages_per_split().get(s, 0) for s in splits)
    junk = sum(1 for e, p in scored if e.split in splits and p >= threshold and e.junk)
    return junk / pages if pages else 0.0


def acceptable(
    scored: list[tuple[Example, float]], splits: tuple[str, ...] | list[str], threshold: float
) -> bool:
    """The threshold rule: the pooled precision on ``splits`` reaches TARGET_PRECISION by its
    Wilson lower bound, and the pooled junk per page is at most JUNK_PER_PAGE (docstring)."""
    fresh = [(e, p) for e, p in scored if e.split in splits]
    return (
        precision_bound(fresh, threshold) >= TARGET_PRECISION
        and junk_per_page(fresh, splits, threshold) <= JUNK_PER_PAGE
    )


def choose_threshold(
    scored: list[tuple[Example, float]],
    required: dict[str, int],
    splits: tuple[str, ...] | list[str] = FRESH_SPLITS,
) -> float:
    """The lowest threshold ``acceptable`` on ``splits`` (``required`` is unused, kept for the
    callers' shape)."""
    return next((t for t in THRESHOLDS if acceptable(scored, splits, t)), THRESHOLDS[-1])


def _pooled_at_least(target: float) -> Any:
    def rule(scored: list[tuple[Example, float]], splits: list[str], t: float) -> bool:
        fresh = [(e, p) for e, p in scored if e.split in splits]
        return score(fresh, t, 1)["precision"] >= target

    return rule


def _split_precisions(scored: list[tuple[Example, float]], splits: list[str], t: float) -> list:
    return sorted(
        score([(e, p) for e, p in scored if e.split == s], t, 1)["precision"] for s in splits
    )


def _bound_and_junk(bound: float) -> Any:
    def rule(scored: list[tuple[Example, float]], splits: list[str], t: float) -> bool:
        fresh = [(e, p) for e, p in scored if e.split in splits]
        return (
            precision_bound(fresh, t) >= TARGET_PRECISION
            and junk_per_page(fresh, splits, t) <= bound
        )

    return rule


# Threshold rules compared by ``--rules``: each maps (scores, fresh splits, threshold) to
# whether the threshold is acceptable; the rule takes the lowest acceptable one.
THRESHOLD_RULES: dict[str, Any] = {
    "pooled fresh precision >= 0.80 (sessions 9-14)": _pooled_at_least(0.80),
    "its 95 % Wilson lower bound >= 0.80 (session 15)": lambda sc, sp, t: (
        precision_bound([(e, p) for e, p in sc if e.split in sp], t) >= TARGET_PRECISION
    ),
    "pooled fresh precision >= 0.85": _pooled_at_least(0.85),
    "the lower median fresh split >= 0.80": lambda sc, sp, t: (
        _split_precisions(sc, sp, t)[(len(sp) - 1) // 2] >= TARGET_PRECISION
    ),
    "worst fresh split >= 0.70": lambda sc, sp, t: _split_precisions(sc, sp, t)[0] >= 0.70,
    **{
        f"the bound, and junk per page <= {bound} (session 16)": _bound_and_junk(bound)
        for bound in (0.14, 0.12, 0.10, 0.08)
    },
}


def compare_rules(scored: list[tuple[Example, float]], required: dict[str, int]) -> None:
    """Print, for each threshold rule, the threshold it picks on the fresh splits with each
    split's P/R/F1 and junk there, and how it carries to a split it did not see: the
    threshold chosen on the other fresh splits, read on the one left out."""

    def row(split: str, t: float) -> tuple[float, float, float, int]:
        names = [(e, p) for e, p in scored if e.split == split]
        got = score(names, t, required[split])
        junk = sum(1 for e, p in names if p >= t and e.junk)
        return got["precision"], got["recall"], got["f1"], junk

    def pick(rule: Any, splits: list[str]) -> float:
        return next((t for t in THRESHOLDS if rule(scored, splits, t)), THRESHOLDS[-1])

    fresh = list(FRESH_SPLITS)
    for name, rule in THRESHOLD_RULES.items():
        t = pick(rule, fresh)
        pooled = score(
            [(e, p) for e, p in scored if e.split in fresh], t, sum(required[s] for s in fresh)
        )
        print(
            f"\n{name}: threshold {t}; fresh pooled P/R/F1 "
            + "/".join(f"{pooled[k]:.3f}" for k in ("precision", "recall", "f1"))
        )
        left_out = []
        for split in fresh:
            precision, recall, f1, junk = row(split, t)
            held_t = pick(rule, [s for s in fresh if s != split])
            left_out.append(row(split, held_t))
            hp, hr, hf, hj = left_out[-1]
            print(
                f"  {split:10} {precision:.3f}/{recall:.3f}/{f1:.3f} junk {junk:2}   left out "
                f"(threshold {held_t} from the others) {hp:.3f}/{hr:.3f}/{hf:.3f} junk {hj}"
            )
        print(
            f"  left out: {sum(p < TARGET_PRECISION for p, *_ in left_out)} splits under "
            f"{TARGET_PRECISION}, mean F1 {sum(f for *_, f, _ in left_out) / len(fresh):.3f}, "
            f"junk {sum(j for *_, j in left_out)}"
        )


def recall_losses(
    scored: list[tuple[Example, float]],
    threshold: float,
    generated: dict[str, tuple[set[str], list[frozenset[str]]]],
) -> dict[str, int]:
    """Where each required brand the out-of-fold scorer misses is lost: scored below the
    threshold; a candidate mention that discovery dropped before scoring (no cue, only
    sentence-start capitals); offered only inside or around a longer or shorter name
    ("Toyota RAV4 Prime" for Toyota); or never a candidate at all."""
    best: dict[tuple[str, int], float] = {}
    for e, p in scored:
        if e.label == 1 and e.brand is not None:
            best[(e.page, e.brand)] = max(best.get((e.page, e.brand), 0.0), p)
    losses = dict.fromkeys(
        (
            "found",
            "scored below the threshold",
            "dropped before scoring",
            "another form",
            "never a candidate",
        ),
        0,
    )
    for page, (keys, gold) in generated.items():
        for index, brand in enumerate(gold):
            if (page, index) in best:
                bucket = (
                    "found" if best[(page, index)] >= threshold else "scored below the threshold"
                )
            elif brand & keys:
                bucket = "dropped before scoring"
            elif any(f" {k} " in f" {c} " or f" {c} " in f" {k} " for k in brand for c in keys):
                bucket = "another form"
            else:
                bucket = "never a candidate"
            losses[bucket] += 1
    return losses


def junk(scored: list[tuple[Example, float]], threshold: float) -> dict[str, int]:
    """Per split, the wrong names at or above ``threshold`` that fall in one of issue #11's
    junk categories (the eval's ``junk_category``): what a source or a refit must not grow."""
    counts = dict.fromkeys(TRAINING_SPLITS, 0)
    for e, p in scored:
        if p >= threshold and e.junk:
            counts[e.split] += 1
    return counts


def calibration(scored: list[tuple[Example, float]]) -> list[dict]:
    rows = []
    for low, high in ((0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01), (0.7, 1.01)):
        band = [e.label for e, p in scored if low <= p < high and e.label is not None]
        right = sum(band) / len(band) if band else 0.0
        rows.append(
            {"from": low, "to": min(high, 1.0), "names": len(band), "right": round(right, 3)}
        )
    return rows


def dump(scored: list[tuple[Example, float]], threshold: float, path: Path) -> None:
    """Every name scored out of fold, for reading what is wrong and what is missed."""
    from reports.extractors.discovery_features import FEATURES

    rows = [
        {
            "split": e.split,
            "page": e.page,
            "name": e.name,
            "label": e.label,
            "p": round(p, 3),
            "brand": e.brand,
            "features": dict(zip(FEATURES, e.features, strict=True)),
            "junk": e.junk if p >= threshold else None,
        }
        for e, p in scored
    ]
    path.write_text(json.dumps(rows, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def train(knowledge: Any, dump_to: Path | None = None) -> dict[str, Any]:
    from reports.extractors.discovery_features import FEATURES

    examples, required, pages = collect(knowledge)
    raw = out_of_fold(examples)
    slope, offset = fit_calibration(raw)
    scored = calibrated_out_of_fold(raw)
    total = sum(required.values())
    threshold = choose_threshold(scored, required)
    if dump_to is not None:
        dump(scored, threshold, dump_to)
    model = fit(examples)
    per_split = {
        split: {
            k: round(v, 3)
            for k, v in score(
                [(e, p) for e, p in scored if e.split == split], threshold, required[split]
            ).items()
        }
        for split in TRAINING_SPLITS
    }
    git = shutil.which("git")
    commit = (
        subprocess.run(  # noqa: S603 - git itself, fixed arguments
            [git, "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        if git
        else ""
    )
    return {
        "features": list(FEATURES),
        "coefficients": [round(float(w), 6) for w in model.coef_[0]],
        "intercept": round(float(model.intercept_[0]), 6),
        # Platt scaling of the probability, fitted on the fresh splits' out-of-fold scores:
        # confidence = sigmoid(slope * (intercept + coefficients . features) + offset).
        "calibration": {"slope": round(slope, 6), "offset": round(offset, 6)},
        "threshold": threshold,
        "trained_on": {
            "splits": list(TRAINING_SPLITS),
            "pages": pages,
            "names": sum(e.label is not None for e in examples),
            "brands": sum(e.label == 1 for e in examples),
            "required_brands": total,
            "code_commit": commit,
            "regularisation_c": REGULARISATION,
        },
        "out_of_fold": {
            "threshold_rule": (
                f"lowest threshold whose pooled precision on {list(FRESH_SPLITS)} reaches "
                f"{TARGET_PRECISION} by its one-sided 95 % Wilson lower bound and whose pooled "
                f"junk there is at most {JUNK_PER_PAGE} per page"
            ),
            "pooled": {k: round(v, 3) for k, v in score(scored, threshold, total).items()},
            "fresh": {
                k: round(v, 3)
                for k, v in score(
                    [(e, p) for e, p in scored if e.split in FRESH_SPLITS],
                    threshold,
                    sum(required[split] for split in FRESH_SPLITS),
                ).items()
            },
            "per_split": per_split,
            "junk": junk(scored, threshold),
            # Both calibrated (each fresh split with the scaling fitted on the others) and by
            # fresh split alone: the bands a new page's names fall in.
            "calibration": calibration(scored),
            "calibration_fresh": calibration(
                [(e, p) for e, p in scored if e.split in FRESH_SPLITS]
            ),
            "calibration_uncalibrated_fresh": calibration(
                [(e, p) for e, p in raw if e.split in FRESH_SPLITS]
            ),
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="fail if the file is stale")
    parser.add_argument(
        "--misses",
        action="store_true",
        help="say where the missed required brands are lost, out of fold, and write nothing",
    )
    parser.add_argument(
        "--dump",
        type=Path,
        help="also write every scored name out of fold (split, page, name, label, probability, "
        "junk category when wrong at or above the threshold) to this JSON file",
    )
    parser.add_argument(
        "--rules",
        action="store_true",
        help="compare threshold rules out of fold, per fresh split, and write nothing",
    )
    args = parser.parse_args(argv)
    from benchmarks.extraction_eval import configure_environment

    configure_environment(Path(tempfile.mkdtemp(prefix="train-discovery-")))
    from benchmarks.real_pages_report import load_knowledge
    from reports.extractors.discovery_model import MODEL_FILE

    if args.rules:
        examples, required, _ = collect(load_knowledge())
        compare_rules(calibrated_out_of_fold(out_of_fold(examples)), required)
        return 0
    if args.misses:
        generated: dict[str, tuple[set[str], list[frozenset[str]]]] = {}
        examples, required, _ = collect(load_knowledge(), generated)
        scored = calibrated_out_of_fold(out_of_fold(examples))
        threshold = choose_threshold(scored, required)
        print(f"threshold {threshold}; required brands {sum(required.values())}")
        print(json.dumps(recall_losses(scored, threshold, generated), indent=2))
        return 0
    trained = train(load_knowledge(), args.dump)
    print(json.dumps(trained["out_of_fold"], indent=2))
    print(f"threshold {trained['threshold']}; trained on {trained['trained_on']}")
    if args.check:
        current = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
        drift = max(
            abs(a - b)
            for a, b in zip(
                [current["intercept"], *current["coefficients"], *current["calibration"].values()],
                [trained["intercept"], *trained["coefficients"], *trained["calibration"].values()],
                strict=True,
            )
        )
        print(f"largest weight difference from {MODEL_FILE.name}: {drift:.6f}")
        return 1 if drift > 1e-3 or current["threshold"] != trained["threshold"] else 0
    MODEL_FILE.write_text(json.dumps(trained, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
