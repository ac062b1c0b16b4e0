"""A rule's two expressions together: what it lets through and what it keeps out."""

from dataclasses import dataclass

from reports.keyword_rules.matcher import Document
from reports.keyword_rules.parser import Query, parse


@dataclass(frozen=True)
class CompiledRule:
    rule_id: int | None
    name: str
    include: Query | None  # None: every article is included.
    exclude: Query | None  # None: no article is excluded.

    @classmethod
    def compile(
        cls, *, include: str, exclude: str, name: str = "", rule_id: int | None = None
    ) -> "CompiledRule":
        """Raises QueryError for a malformed expression; blank ones leave their side open."""
        return cls(
            rule_id=rule_id,
            name=name,
            include=parse(include) if include.strip() else None,
            exclude=parse(exclude) if exclude.strip() else None,
        )

    def passes(self, document: Document) -> bool:
        if self.include is not None and not self.include.matches(document):
            return False
        return not (self.exclude is not None and self.exclude.matches(document))
