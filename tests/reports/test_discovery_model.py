"""Discovery's learned scorer: the committed weights fit the features the code computes, a
broken file switches discovery off with a clear log line (tracked brands still found), and the
file records how it was trained."""

import json
from pathlib import Path

import pytest

from reports.extractors import discovery_model
from reports.extractors.base import ExtractionContext, KnownBrand
from reports.extractors.discovery_features import FEATURES
from reports.extractors.discovery_model import DiscoveryModelError, read_model
from reports.extractors.rules import RulesExtractor


def test_the_committed_model_is_trained_on_the_features_the_code_computes() -> None:
    model = read_model()
    data = json.loads(discovery_model.MODEL_FILE.read_text(encoding="utf-8"))

    assert len(model.coefficients) == len(FEATURES)
    assert 0.3 <= model.threshold <= 0.9
    # Trained on the tuning splits only (each holdout joins them once reported: holdout5 in
    # session 10, holdout6 and holdout7 in session 12, holdout8 in session 13, holdout9 in
    # session 14, holdout10 in session 15, holdout11 in session 16, holdout12-14 in session 17,
    # holdout15 in session 18): holdout16 is never in it until it has been reported.
    assert data["trained_on"]["splits"] == [
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
    ]
    assert "holdout16" not in data["trained_on"]["splits"]
    assert data["out_of_fold"]["pooled"]["precision"] >= 0.8


def test_evidence_raises_the_probability_and_none_reaches_certainty() -> None:
    model = read_model()
    plain = [0.0] * len(FEATURES)
    registered = list(plain)
    registered[FEATURES.index("registered")] = 1.0
    rejected = list(registered)
    rejected[FEATURES.index("not_a_brand")] = 1.0

    assert model.probability(registered) > model.probability(plain)
    assert model.probability(rejected) < model.probability(registered)
    assert model.confidence([1.0] * len(FEATURES)) <= 0.99


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "Cannot read the discovery model"),
        (
            '{"features": ["legal"], "coefficients": [1.0], "intercept": 0, "threshold": 0.5}',
            "trained on other features",
        ),
    ],
)
def test_a_broken_or_stale_model_file_is_refused_with_the_reason(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "model.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(DiscoveryModelError, match=message):
        read_model(path)


def test_without_a_readable_model_discovery_is_off_and_tracked_brands_are_still_found(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(discovery_model, "read_model", lambda: read_model(tmp_path / "x.json"))
    discovery_model.model.cache_clear()
    try:
        result = RulesExtractor().extract(
            text="Globex Corporation signed with Initech Ltd, and Initech Ltd agreed.",
            title="",
            language="en",
            context=ExtractionContext(known_brands=(KnownBrand(brand_id=3, name="Globex"),)),
        )
    finally:
        discovery_model.model.cache_clear()

    assert [(f.name, f.brand_id) for f in result.brands] == [("Globex", 3)]
    assert "Discovery of untracked brands is off" in caplog.text


def test_the_confidence_is_the_probability_after_the_fresh_pages_calibration(
    tmp_path: Path,
) -> None:
    # Session 13: the fit's probability flatters on fresh pages; the file's Platt scaling
    # (slope and offset on the log-odds) is applied before the threshold and the confidence.
    import math

    path = tmp_path / "model.json"
    data = {"features": list(FEATURES), "coefficients": [0.0] * len(FEATURES)}
    path.write_text(json.dumps({**data, "intercept": 1.0, "threshold": 0.5}), encoding="utf-8")
    plain = read_model(path)  # an older file, no calibration: the probability as it is
    path.write_text(
        json.dumps(
            {
                **data,
                "intercept": 1.0,
                "threshold": 0.5,
                "calibration": {"slope": 2.0, "offset": -3.0},
            }
        ),
        encoding="utf-8",
    )
    calibrated = read_model(path)
    values = [0.0] * len(FEATURES)

    assert plain.probability(values) == pytest.approx(1 / (1 + math.exp(-1.0)))
    assert calibrated.probability(values) == pytest.approx(1 / (1 + math.exp(1.0)))
    committed = json.loads(discovery_model.MODEL_FILE.read_text(encoding="utf-8"))
    assert set(committed["calibration"]) == {"slope", "offset"}
