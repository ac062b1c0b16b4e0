"""Horizontal bars for a ranking or a share (share of voice, top sources): each label sits
above its bar, so long brand or feed names keep the whole width on a phone."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from reports.charts.scale import _num, colour, plural

WIDTH = 480
ROW = 36
LABEL_CHARS = 60


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    # Said after the value, e.g. "34 %" for a share.
    note: str = ""


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def bar_chart(
    bars: Sequence[Bar], *, title: str, unit: str = "mention", coloured: bool = False
) -> SafeString:
    """One bar per row, longest first as given, scaled to the largest value. ``coloured``
    gives each bar its series colour (share of voice matches the lines above it)."""
    peak = max((bar.value for bar in bars), default=0) or 1
    height = ROW * len(bars) + 4
    rows = []
    for index, bar in enumerate(bars):
        top = index * ROW
        length = (WIDTH - 90) * bar.value / peak
        said = plural(bar.value, unit) + (f" ({bar.note})" if bar.note else "")
        rows.append(
            (
                _num(top + 13),
                _short(bar.label),
                _num(top + 18),
                _num(max(length, 1 if bar.value else 0)),
                colour(index) if coloured else "#2454d6",
                f"{bar.label}: {said}",
                _num(length + 6),
                _num(top + 29),
                f"{bar.value:,}" + (f" · {bar.note}" if bar.note else ""),
            )
        )
    body = format_html_join(
        "",
        '<g class="bar-row"><text class="bar-label" x="0" y="{}" fill="#1d232b">{}</text>'
        '<rect class="bar" x="0" y="{}" height="14" width="{}" rx="2" fill="{}">'
        '<title>{}</title></rect><text class="bar-value" x="{}" y="{}" fill="#5f6b7a">{}</text>'
        "</g>",
        rows,
    )
    summary = f"{title}: " + (
        ", ".join(f"{bar.label} {bar.value:,}" for bar in bars) if bars else "nothing to show"
    )
    return format_html(
        '<svg class="hbar-chart" role="img" aria-label="{}" viewBox="0 0 {} {}">'
        "<title>{}</title>{}</svg>",
        summary,
        WIDTH,
        height,
        summary,
        body,
    )
