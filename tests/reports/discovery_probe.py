"""What discovery offers its learned scorer for a text, before the threshold: for tests about
how a name is cut out of the text and which evidence is found around it, not about where the
fitted threshold happens to lie (it moves whenever the scorer is retrained)."""

from dataclasses import dataclass

from reports.extractors import discovery_model
from reports.extractors.discovery import discover
from reports.extractors.discovery_features import FEATURES


@dataclass(frozen=True)
class Offered:
    probability: float
    evidence: frozenset[str]  # the features that are on


def offered(
    text: str, knowledge: object | None = None, language: str = "en", title: str = ""
) -> dict[str, Offered]:
    names: list[tuple[str, list[float]]] = []
    discover(
        text,
        skip=[],
        known_keys=set(),
        knowledge=knowledge,
        language=language,
        collect=names,
        title=title,
    )
    scorer = discovery_model.model()
    assert scorer is not None
    return {
        name: Offered(
            scorer.probability(values),
            frozenset(f for f, v in zip(FEATURES, values, strict=True) if v),
        )
        for name, values in names
    }
