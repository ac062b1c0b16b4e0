"""The article text with each mention's evidence highlighted in place.

Built from the stored character offsets: every text segment is escaped, and only our own
``<mark>`` and ``<br>`` tags are added, so nothing from the article is ever marked safe.
Overlapping evidence is cut at every boundary into flat segments, each marked once with the
ids of all the mentions that cover it, so the HTML stays well nested.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from reports.models import Mention, ReviewStatus

PARAGRAPH_BREAK = re.compile(r"\n[ \t\r\f\v]*\n\s*")


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    mention_id: int
    rejected: bool


@dataclass
class HighlightedText:
    paragraphs: list[SafeString]
    # Mentions whose offsets do not fit the text (e.g. the text changed since the analysis).
    unplaced: int


def _paragraphs(text: str) -> list[tuple[int, int]]:
    ranges, start = [], 0
    for separator in PARAGRAPH_BREAK.finditer(text):
        ranges.append((start, separator.start()))
        start = separator.end()
    ranges.append((start, len(text)))
    return [(a, b) for a, b in ranges if text[a:b].strip()]


def _escaped(segment: str) -> str:
    # escape() first, then our own <br>: the text's characters never become markup.
    return str(escape(segment)).replace("\n", "<br>")


def _paragraph_html(text: str, start: int, end: int, spans: list[Span], seen: set[int]) -> str:
    inside = [
        Span(max(s.start, start), min(s.end, end), s.mention_id, s.rejected)
        for s in spans
        if s.start < end and s.end > start
    ]
    bounds = sorted({start, end, *(s.start for s in inside), *(s.end for s in inside)})
    parts = []
    for a, b in pairwise(bounds):
        covering = [s for s in inside if s.start <= a and s.end >= b]
        segment = _escaped(text[a:b])
        if not covering:
            parts.append(segment)
            continue
        ids = [s.mention_id for s in covering]
        anchors = [s.mention_id for s in covering if s.start == a and s.mention_id not in seen]
        seen.update(anchors)
        classes = "evidence"
        if all(s.rejected for s in covering):
            classes += " is-rejected"
        if len(covering) > 1:
            classes += " is-overlap"
        anchor = format_html(' id="evidence-{}"', anchors[0]) if anchors else ""
        # Evidence shared by several mentions: the others get an empty anchor of their own.
        parts.extend(
            str(format_html('<span class="evidence-anchor" id="evidence-{}"></span>', other))
            for other in anchors[1:]
        )
        parts.append(
            str(
                format_html(
                    '<mark class="{}" data-mentions="{}"{}>{}</mark>',
                    classes,
                    " ".join(str(i) for i in ids),
                    anchor,
                    mark_safe(segment),  # noqa: S308 - escaped by _escaped above
                )
            )
        )
    return "".join(parts)


def highlight(text: str, mentions: Iterable[Mention]) -> HighlightedText:
    spans, unplaced = [], 0
    for mention in mentions:
        if 0 <= mention.evidence_start < mention.evidence_end <= len(text):
            spans.append(
                Span(
                    mention.evidence_start,
                    mention.evidence_end,
                    mention.pk,
                    mention.review_status == ReviewStatus.REJECTED,
                )
            )
        else:
            unplaced += 1
    seen: set[int] = set()
    paragraphs = [
        mark_safe(_paragraph_html(text, a, b, spans, seen))  # noqa: S308 - built from escaped parts
        for a, b in _paragraphs(text)
    ]
    return HighlightedText(paragraphs=paragraphs, unplaced=unplaced)
