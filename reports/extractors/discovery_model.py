"""The learned scorer of discovered names: a logistic regression over ``discovery_features``.

Its weights live in ``discovery_model.json`` beside this file, written by
``benchmarks/train_discovery.py`` from the labelled real pages of the tuning splits (never a
holdout): the file records which pages, the out-of-fold figures and how the threshold was
chosen. A name's probability, calibrated on fresh pages (Platt scaling of the out-of-fold
scores of the splits labelled last), is its confidence, so a confidence means what it says: of
the names found at 0.8 on a page nobody tuned on, about eight in ten are brands.

Reading it needs no library: a dot product and a sigmoid, about a microsecond per name.
"""

import json
import logging
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .discovery_features import FEATURES

MODEL_FILE = Path(__file__).with_name("discovery_model.json")
logger = logging.getLogger(__name__)


class DiscoveryModelError(Exception):
    """The model file is missing, unreadable or made for other features."""


@dataclass(frozen=True)
class DiscoveryModel:
    intercept: float
    coefficients: tuple[float, ...]
    # Names below it are not reported.
    threshold: float
    # Platt scaling fitted on the out-of-fold scores of fresh pages: the fit's own probability
    # is calibrated on the tuning pages, where the rules were drawn from and it flatters.
    slope: float = 1.0
    offset: float = 0.0

    def probability(self, values: list[float]) -> float:
        z = self.intercept + sum(w * x for w, x in zip(self.coefficients, values, strict=True))
        z = self.slope * z + self.offset
        return 1.0 / (1.0 + math.exp(-z))

    def confidence(self, values: list[float]) -> float:
        """The probability as a mention's confidence: two decimals, never certainty."""
        return round(min(0.99, self.probability(values)), 2)


def read_model(path: Path = MODEL_FILE) -> DiscoveryModel:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        features = tuple(data["features"])
        coefficients = tuple(float(w) for w in data["coefficients"])
        scaling = data.get("calibration") or {"slope": 1.0, "offset": 0.0}
        model = DiscoveryModel(
            float(data["intercept"]),
            coefficients,
            float(data["threshold"]),
            float(scaling["slope"]),
            float(scaling["offset"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DiscoveryModelError(f"Cannot read the discovery model {path}: {error}") from error
    if features != FEATURES or len(coefficients) != len(FEATURES):
        # A feature added or reordered in code without retraining would weigh the wrong
        # evidence silently.
        raise DiscoveryModelError(
            f"The discovery model {path} was trained on other features; retrain it with "
            "benchmarks/train_discovery.py"
        )
    return model


@lru_cache(maxsize=1)
def model() -> DiscoveryModel | None:
    """The scorer, or None (logged once) when its file is missing or broken: discovery then
    reports nothing, and tracked brands are found as always."""
    try:
        return read_model()
    except DiscoveryModelError as error:
        logger.error("Discovery of untracked brands is off: %s", error)
        return None
