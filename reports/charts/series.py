"""Charts over time: lines for several series (compare brands) and stacked bars (a mix such as
sentiment per period), each point or bar with a ``<title>`` tooltip, and a legend in HTML that
wraps on a phone.

A chart names itself (``role="img"`` with an ``aria-label``); the numbers themselves are in the
data table the template puts behind every chart (``reports/_chart_table.html``).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from reports.charts.scale import _half, _nice_ceiling, _num, colour, plural

WIDTH, HEIGHT = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 12, 12, 26


@dataclass(frozen=True)
class Period:
    """One step of a time axis: its first day, a short axis label and a full tooltip label."""

    start: date
    short: str
    long: str


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int]
    colour: str = ""

    @property
    def total(self) -> int:
        return sum(self.values)


def _coloured(series: Sequence[Series]) -> list[Series]:
    return [
        line if line.colour else Series(line.name, line.values, colour(index))
        for index, line in enumerate(series)
    ]


def _y_axis(ceiling: int, plot_h: float, width: int = WIDTH) -> SafeString:
    """Labels 0, half and the top, each with a grid line across the plot."""
    return format_html_join(
        "",
        '<text class="axis-label" x="{}" y="{}" text-anchor="end" fill="#5f6b7a">{}</text>'
        '<line class="grid" x1="{}" x2="{}" y1="{}" y2="{}" stroke="#dde2e8"/>',
        (
            (LEFT - 6, _num(y + 4), label, LEFT, width - RIGHT, _num(y), _num(y))
            for share, label in ((0, "0"), (0.5, _half(ceiling)), (1, f"{ceiling:,}"))
            for y in [TOP + plot_h - plot_h * share]
        ),
    )


def _x_labels(
    periods: Sequence[Period], centres: Sequence[float], height: int = HEIGHT
) -> SafeString:
    """The first, middle and last periods; the edge labels hang inwards so none is cut."""
    count = len(periods)
    ticks = sorted({0, count // 2, count - 1}) if count else []
    return format_html_join(
        "",
        '<text class="axis-label" x="{}" y="{}" text-anchor="{}" fill="#5f6b7a">{}</text>',
        (
            (
                _num(centres[index]),
                height - 6,
                "start" if index == 0 and count > 1 else "end" if index == count - 1 else "middle",
                periods[index].short,
            )
            for index in ticks
        ),
    )


# Markers differ by shape as well as colour: circle, square, diamond. {1}, {2} is the point,
# {5} the half size: smaller when the points are many, so a quiet stretch is not a solid band.
_MARKER_HTML = (
    '<circle class="point" cx="{1}" cy="{2}" r="{5}" fill="{3}"><title>{4}</title></circle>',
    '<rect class="point" x="{1}" y="{2}" width="{6}" height="{6}" '
    'transform="translate(-{5} -{5})" fill="{3}"><title>{4}</title></rect>',
    '<rect class="point" x="{1}" y="{2}" width="{6}" height="{6}" '
    'transform="rotate(45 {1} {2}) translate(-{5} -{5})" fill="{3}"><title>{4}</title></rect>',
)
MANY_POINTS = 31


def legend(series: Sequence[Series], unit: str) -> SafeString:
    return format_html(
        '<ul class="chart-legend">{}</ul>',
        format_html_join(
            "",
            '<li><svg class="swatch" width="12" height="12" aria-hidden="true">'
            '<rect width="12" height="12" rx="2" fill="{}"/></svg>{} '
            '<span class="muted small">{}</span></li>',
            ((line.colour, line.name, plural(line.total, unit)) for line in series),
        ),
    )


def line_chart(
    periods: Sequence[Period],
    series: Sequence[Series],
    *,
    title: str,
    unit: str = "mention",
    width: int = WIDTH,
    height: int = HEIGHT,
) -> SafeString:
    """One line per series over ``periods``, with a marker and tooltip per point, and the
    legend below. ``title`` names the chart for screen readers. A smaller ``width`` and
    ``height`` draw a compact chart whose text stays legible in a narrow card."""
    series = _coloured(series)
    count = len(periods)
    plot_w, plot_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    ceiling = _nice_ceiling(max((max(line.values, default=0) for line in series), default=0))
    step = plot_w / max(count - 1, 1)
    xs = [LEFT + (index * step if count > 1 else plot_w / 2) for index in range(count)]
    # Formatted and escaped once per chart, not once per point of each line: ten lines of 90
    # days are 900 markers, and their coordinates and labels were most of a page's time.
    x_texts = [_num(x) for x in xs]
    labels = [escape(period.long) for period in periods]
    half = 3.5 if count <= MANY_POINTS else 2
    half_text, size_text = _num(half), _num(2 * half)
    lines = []
    for number, line in enumerate(series):
        y_texts = [_num(TOP + plot_h - plot_h * value / ceiling) for value in line.values]
        path = " ".join(f"{x},{y}" for x, y in zip(x_texts, y_texts, strict=True))
        # Plain string formatting with every text escaped once: ten lines of a year's days
        # are ~3,700 markers, and a format_html call each cost ~25 ms a chart.
        template = _MARKER_HTML[number % len(_MARKER_HTML)]
        name = escape(line.name)
        colour_attr = escape(line.colour)
        markers = mark_safe(  # noqa: S308 - the name, colour and labels are escaped above
            "".join(
                template.format(
                    number,
                    x,
                    y,
                    colour_attr,
                    f"{name}, {label}: {plural(value, unit)}",
                    half_text,
                    size_text,
                )
                for x, y, label, value in zip(x_texts, y_texts, labels, line.values, strict=True)
            )
        )
        lines.append(
            format_html(
                '<g class="series" data-series="{}"><polyline class="line" fill="none" '
                'stroke="{}" stroke-width="2" stroke-linejoin="round" points="{}"/>{}</g>',
                number,
                line.colour,
                path,
                markers,
            )
        )
    totals = ", ".join(f"{line.name} {plural(line.total, unit)}" for line in series)
    summary = f"{title}: {totals}" if series else f"{title}: nothing to show"
    return format_html(
        '<svg class="time-chart line-chart" role="img" aria-label="{}" viewBox="0 0 {} {}">'
        "<title>{}</title>{}{}{}</svg>{}",
        summary,
        width,
        height,
        summary,
        _y_axis(ceiling, plot_h, width),
        format_html_join("", "{}", ((line,) for line in lines)),
        _x_labels(periods, xs, height),
        legend(series, unit),
    )


def stacked_bar_chart(
    periods: Sequence[Period], series: Sequence[Series], *, title: str, unit: str = "mention"
) -> SafeString:
    """One column per period, the series stacked in order from the baseline up (a mix over
    time, such as positive / neutral / negative), a tooltip per segment, the legend below."""
    series = _coloured(series)
    count = len(periods)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    column_totals = [sum(line.values[index] for line in series) for index in range(count)]
    ceiling = _nice_ceiling(max(column_totals, default=0))
    slot = plot_w / max(count, 1)
    bar_w = max(slot * 0.8, 1)
    segments = []
    for index, period in enumerate(periods):
        x = LEFT + index * slot + (slot - bar_w) / 2
        base = TOP + plot_h
        for line in series:
            value = line.values[index]
            if not value:
                continue
            bar_h = plot_h * value / ceiling
            base -= bar_h
            segments.append(
                (
                    _num(x),
                    _num(base),
                    _num(bar_w),
                    _num(bar_h),
                    line.colour,
                    f"{period.long}: {plural(value, unit)}, {line.name.lower()} "
                    f"({round(100 * value / column_totals[index])} %)",
                )
            )
    # Plain string formatting, each text escaped once (a year of days is ~1,000 segments).
    bars = mark_safe(  # noqa: S308 - the colour and tooltip are escaped here
        "".join(
            f'<rect class="segment" x="{x}" y="{y}" width="{w}" height="{h}" '
            f'fill="{escape(fill)}"><title>{escape(tip)}</title></rect>'
            for x, y, w, h, fill, tip in segments
        )
    )
    centres = [LEFT + index * slot + slot / 2 for index in range(count)]
    parts = ", ".join(f"{plural(line.total, unit)} {line.name.lower()}" for line in series)
    summary = f"{title}: {parts}"
    return format_html(
        '<svg class="time-chart stacked-chart" role="img" aria-label="{}" viewBox="0 0 {} {}">'
        "<title>{}</title>{}{}{}</svg>{}",
        summary,
        WIDTH,
        HEIGHT,
        summary,
        _y_axis(ceiling, plot_h),
        bars,
        _x_labels(periods, centres),
        legend(series, unit),
    )
