"""An in-memory stand-in for reports.knowledge.index.KnowledgeIndex: find() and lookup()."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Entry:
    name: str
    wikidata_id: str = ""
    kind: str = "brand"
    industry: str = ""
    website: str = ""
    aliases: tuple[str, ...] = ()
    weight: int = 1  # How widely the sources list it, as KnowledgeEntry.weight.
    source: str = ""  # The sources that list it, as KnowledgeEntry.source.


@dataclass(frozen=True)
class Hit:
    start: int
    end: int
    surface: str
    entry: Entry
    ambiguous: bool = False


@dataclass
class FakeKnowledge:
    """The knowledge index's interface (find / lookup) over a few entries, matched as written."""

    entries: dict[str, Entry] = field(default_factory=dict)
    ambiguous: frozenset[str] = frozenset()

    def find(self, text: str) -> list[Hit]:
        hits = []
        for surface, entry in self.entries.items():
            at = text.find(surface)
            while at >= 0:
                end = at + len(surface)
                if (at == 0 or not text[at - 1].isalnum()) and (
                    end == len(text) or not text[end].isalnum()
                ):
                    hits.append(Hit(at, end, surface, entry, surface in self.ambiguous))
                at = text.find(surface, end)
        return sorted(hits, key=lambda h: h.start)

    def lookup(self, name: str) -> Entry | None:
        return self.entries.get(name)
