"""The structure every extractor returns, and the organization knowledge it may use."""

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class KnownBrand:
    """A brand the organization already knows, with every name it goes by."""

    brand_id: int
    name: str
    aliases: tuple[str, ...] = ()
    industry: str = ""


@dataclass(frozen=True)
class ExtractionContext:
    """What an extractor knows about the organization it extracts for."""

    known_brands: tuple[KnownBrand, ...] = ()
    # Normalised surface forms the organization rejected: never reported again.
    blocked_terms: frozenset[str] = frozenset()
    industries: tuple[str, ...] = ()
    # The brand knowledge base (reports.knowledge.index.KnowledgeIndex: ``find(text)`` and
    # ``lookup(name)``), or None when it is not loaded: discovery then works from cues alone.
    knowledge: object | None = None
    # The organization reports only discoveries the knowledge base confirms (see
    # Organization.discovery_confirmed_only): on the tuning pages 0.96 precision at recall 0.30
    # instead of 0.91 at 0.45.
    confirmed_only: bool = False


@dataclass
class BrandFinding:
    """One brand named in the article, with the quote that proves it.

    ``start``/``end`` are character offsets of ``evidence`` in the article text given to the
    extractor; ``surface`` is the brand as written in the text.
    """

    name: str
    surface: str
    evidence: str
    start: int
    end: int
    confidence: float
    sentiment: float = 0.0
    industry: str = ""
    source: str = "rules"  # "rules" or "llm"
    brand_id: int | None = None  # Set when the finding is a known brand.
    # From the knowledge base, when it knows a discovered brand.
    wikidata_id: str = ""
    website: str = ""


@dataclass
class ExtractionResult:
    summary: str = ""
    topic: str = ""
    sentiment_score: float = 0.0
    sentiment_label: str = "neutral"  # negative / neutral / positive
    language: str = ""
    brands: list[BrandFinding] = field(default_factory=list)
    extractor: str = "rules"
    model: str = ""
    prompt_version: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    invented_dropped: int = 0
    # Why a fallback happened (LLM failed, quota reached...); empty when it did not.
    fallback_reason: str = ""


class Extractor(Protocol):
    name: str

    def extract(
        self, *, text: str, title: str, language: str, context: ExtractionContext
    ) -> ExtractionResult: ...


def sentiment_label(score: float) -> str:
    if score >= 0.05:
        return "positive"
    if score <= -0.05:
        return "negative"
    return "neutral"
