"""The small charts: a sparkline, the daily bar chart and the sentiment bar."""

from collections.abc import Sequence
from datetime import date, timedelta

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from reports.charts.scale import TONES, _half, _nice_ceiling, _num
from reports.extractors.base import sentiment_label


def sparkline(
    values: Sequence[int], *, width: int = 120, height: int = 28, label: str = ""
) -> SafeString:
    """A small trend line of ``values`` (oldest first), with the last point marked."""
    count = len(values)
    total = sum(values)
    title = label or f"{total} mention{'' if total == 1 else 's'} in {count} days"
    if count == 0:
        return format_html(
            '<svg class="sparkline" role="img" aria-label="{}" width="{}" height="{}"></svg>',
            title,
            width,
            height,
        )
    peak = max(values) or 1
    pad = 2
    step = (width - 2 * pad) / max(count - 1, 1)
    points = [
        (pad + index * step, height - pad - (value / peak) * (height - 2 * pad))
        for index, value in enumerate(values)
    ]
    path = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
    area = f"{_num(points[0][0])},{height - pad} {path} {_num(points[-1][0])},{height - pad}"
    last_x, last_y = points[-1]
    return format_html(
        '<svg class="sparkline{}" role="img" aria-label="{}" width="{}" height="{}" '
        'viewBox="0 0 {} {}"><title>{}</title>'
        '<polygon class="sparkline-area" points="{}"/>'
        '<polyline class="sparkline-line" fill="none" points="{}"/>'
        '<circle class="sparkline-last" cx="{}" cy="{}" r="2"/></svg>',
        "" if total else " is-empty",
        title,
        width,
        height,
        width,
        height,
        title,
        area,
        path,
        _num(last_x),
        _num(last_y),
    )


def daily_bar_chart(
    values: Sequence[int],
    *,
    end: date,
    title: str,
    width: int = 720,
    height: int = 200,
) -> SafeString:
    """Mentions per day ending on ``end`` (oldest first) as bars, with axis labels and a
    per-bar tooltip. ``title`` names the chart for screen readers."""
    count = len(values)
    left, right, top, bottom = 36, 8, 10, 24
    plot_w, plot_h = width - left - right, height - top - bottom
    ceiling = _nice_ceiling(max(values, default=0))
    days = [end - timedelta(days=count - 1 - index) for index in range(count)]
    slot = plot_w / max(count, 1)
    bar_w = max(slot * 0.8, 1)
    bars = []
    for index, (day, value) in enumerate(zip(days, values, strict=True)):
        bar_h = plot_h * value / ceiling
        tip = f"{day:%-d %b %Y}: {value} mention{'' if value == 1 else 's'}"
        bars.append(
            (
                _num(left + index * slot + (slot - bar_w) / 2),
                _num(top + plot_h - bar_h),
                _num(bar_w),
                _num(bar_h),
                tip,
            )
        )
    bar_svg = format_html_join(
        "",
        '<rect class="bar" x="{}" y="{}" width="{}" height="{}"><title>{}</title></rect>',
        bars,
    )
    # Date labels at the first, middle and last day; the y axis shows 0, half and the top.
    ticks = sorted({0, count // 2, count - 1}) if count else []
    # The first and last labels hang inwards from their bars, so neither is cut at an edge.
    x_labels = format_html_join(
        "",
        '<text class="axis-label" x="{}" y="{}" text-anchor="{}">{}</text>',
        (
            (
                _num(
                    left
                    + index * slot
                    + (0 if index == 0 else slot if index == count - 1 else slot / 2)
                ),
                height - 6,
                "start" if index == 0 else "end" if index == count - 1 else "middle",
                f"{days[index]:%-d %b}",
            )
            for index in ticks
        ),
    )
    y_labels = format_html_join(
        "",
        '<text class="axis-label" x="{}" y="{}" text-anchor="end">{}</text>'
        '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}"/>',
        (
            (left - 6, _num(top + plot_h - plot_h * share + 4), label, left, width - right, y, y)
            for share, label in ((0, "0"), (0.5, _half(ceiling)), (1, str(ceiling)))
            for y in [_num(top + plot_h - plot_h * share)]
        ),
    )
    total = sum(values)
    summary = f"{title}: {total} mention{'' if total == 1 else 's'} in {count} days"
    return format_html(
        '<svg class="bar-chart" role="img" aria-label="{}" viewBox="0 0 {} {}">'
        "<title>{}</title>{}{}{}</svg>",
        summary,
        width,
        height,
        summary,
        y_labels,
        bar_svg,
        x_labels,
    )


def empty_chart(message: str) -> SafeString:
    return format_html('<p class="chart-empty muted">{}</p>', message)


def sentiment_bar(score: float, *, width: int = 160, height: int = 12) -> SafeString:
    """A sentiment score (-1 … 1) as a bar growing from the middle: right and green when
    positive, left and red when negative. Vector, so it prints sharp in PDF."""
    clamped = max(-1.0, min(1.0, score))
    middle = width / 2
    length = abs(clamped) * middle
    x = middle if clamped >= 0 else middle - length
    tone = sentiment_label(clamped)  # the cut the stored labels and the charts use
    label = f"Sentiment {clamped:+.2f} on a scale from -1 to +1"
    return format_html(
        '<svg class="sentiment-bar is-{}" role="img" aria-label="{}" width="{}" height="{}" '
        'viewBox="0 0 {} {}"><title>{}</title>'
        # Colours as attributes, not classes: PDF and email renderers ignore page CSS in SVG.
        '<rect class="track" x="0" y="0" width="{}" height="{}" rx="2" fill="#e6e9ee"/>'
        '<rect class="value" x="{}" y="0" width="{}" height="{}" rx="2" fill="{}"/>'
        '<line class="zero" x1="{}" x2="{}" y1="0" y2="{}" stroke="#5f6b7a"/></svg>',
        tone,
        label,
        width,
        height,
        width,
        height,
        label,
        width,
        height,
        _num(x),
        _num(max(length, 1)),
        height,
        TONES[tone],
        _num(middle),
        _num(middle),
        height,
    )
