"""What every discovery provider shares: the candidate it returns and the interface it keeps.

A provider reads public sources for one brand and returns :class:`Findings`: the people it
found and one line saying what it did. It never stores anything; the discovery service
dedupes, skips erased people and saves the rest as unverified suggestions.

Failures are ``resilience.ProviderError`` subclasses whose ``message`` users can read. A
provider that stops part-way (quota, rate limit, a slow site) returns what it found so far
with ``stopped`` set instead of raising, so those suggestions are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from reports.models import Brand
from resilience import ProviderError


@dataclass(frozen=True)
class Candidate:
    """One person (or a role address such as press@) found for a brand, with provenance."""

    full_name: str
    source: str  # a contacts.models.ContactSource value
    source_url: str
    excerpt: str  # what the source said, shown to users and to the data subject
    title: str = ""
    email: str = ""
    phone: str = ""
    linkedin_url: str = ""
    company: str = ""


@dataclass
class Findings:
    """A provider's result: ``summary`` says what it did, ``stopped`` why it stopped early."""

    candidates: list[Candidate] = field(default_factory=list)
    summary: str = ""
    stopped: str = ""

    @property
    def complete(self) -> bool:
        return not self.stopped


class Provider(Protocol):
    """A source of suggested contacts. ``name`` is its ContactSource value."""

    name: str
    label: str

    def unavailable_reason(self, brand: Brand) -> str | None:
        """Why the provider cannot run for ``brand`` at all (no API key, no website), or None."""
        ...

    def find(self, brand: Brand, role_keywords: list[str]) -> Findings:
        """Search public sources for people at ``brand`` in the given roles."""
        ...


class RateLimited(ProviderError):
    """The provider's shared per-minute budget is used up; no request was sent."""
