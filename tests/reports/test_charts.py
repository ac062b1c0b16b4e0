"""Server-side SVG charts: shapes that follow the numbers, and text that is always escaped."""

from datetime import date

import pytest
from lxml import etree

from reports.analytics import periods_for
from reports.charts import (
    Bar,
    Period,
    Series,
    _nice_ceiling,
    bar_chart,
    daily_bar_chart,
    empty_chart,
    heat_level,
    heat_table,
    line_chart,
    sentiment_bar,
    sparkline,
    stacked_bar_chart,
)
from reports.exports.ranges import DateRange

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> etree._Element:
    # Inline SVG carries no namespace in HTML; give it one to parse it as XML.
    return etree.fromstring(svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def points(element: etree._Element) -> list[tuple[float, float]]:
    return [tuple(map(float, pair.split(","))) for pair in element.get("points").split()]


def test_a_sparkline_draws_one_point_per_day_scaled_to_the_peak():
    svg = parse(sparkline([0, 2, 4, 1], width=100, height=20))

    line = points(svg.find(f"{SVG}polyline"))
    assert len(line) == 4
    assert [x for x, _ in line] == pytest.approx([2, 34, 66, 98])
    # y grows downwards: the peak (4) touches the top padding, zero sits on the bottom one.
    assert [y for _, y in line] == pytest.approx([18, 10, 2, 14])
    last = svg.find(f"{SVG}circle")
    assert (float(last.get("cx")), float(last.get("cy"))) == pytest.approx((98, 14))
    assert svg.get("aria-label") == "7 mentions in 4 days"
    assert svg.find(f"{SVG}title").text == "7 mentions in 4 days"


def test_a_sparkline_of_quiet_days_is_flat_and_marked_empty():
    svg = parse(sparkline([0] * 30))

    assert {y for _, y in points(svg.find(f"{SVG}polyline"))} == {26.0}
    assert "is-empty" in svg.get("class")
    assert svg.get("aria-label") == "0 mentions in 30 days"


def test_a_sparkline_without_days_is_an_empty_labelled_svg():
    svg = parse(sparkline([], label="No data"))

    assert svg.get("aria-label") == "No data" and len(svg) == 0


def test_chart_text_is_escaped():
    hostile = '<script>alert(1)</script>" onload="alert(2)'

    html = str(sparkline([1, 2], label=hostile)) + str(
        daily_bar_chart([1], end=date(2026, 3, 1), title=hostile)
    )

    assert "<script>" not in html and '" onload="' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot; onload=&quot;alert(2)" in html
    assert str(empty_chart(hostile)).count("&lt;script&gt;") == 1


def test_the_bar_chart_has_a_bar_per_day_with_a_dated_tooltip():
    values = [0, 3, 10, 5]

    svg = parse(daily_bar_chart(values, end=date(2026, 3, 4), title="Mentions of Acme"))

    bars = svg.findall(f"{SVG}rect")
    assert len(bars) == 4
    assert [bar.find(f"{SVG}title").text for bar in bars] == [
        "1 Mar 2026: 0 mentions",
        "2 Mar 2026: 3 mentions",
        "3 Mar 2026: 10 mentions",
        "4 Mar 2026: 5 mentions",
    ]
    heights = [float(bar.get("height")) for bar in bars]
    # The axis tops out at 10, so the 10-mention day fills the plot (200 - 10 - 24 = 166).
    assert heights == pytest.approx([0, 49.8, 166, 83])
    # Bars stand on the same baseline.
    assert [float(b.get("y")) + float(b.get("height")) for b in bars] == pytest.approx([176] * 4)
    labels = [text.text for text in svg.findall(f"{SVG}text")]
    assert labels == ["0", "5", "10", "1 Mar", "3 Mar", "4 Mar"]
    # The first and last dates hang inwards, so the chart's edges do not cut them.
    anchors = [text.get("text-anchor") for text in svg.findall(f"{SVG}text")[3:]]
    assert anchors == ["start", "middle", "end"]
    assert svg.get("aria-label") == "Mentions of Acme: 18 mentions in 4 days"


@pytest.mark.parametrize(
    "peak, ceiling", [(0, 1), (1, 1), (3, 5), (7, 10), (11, 20), (48, 50), (51, 100), (999, 1000)]
)
def test_the_axis_ends_on_a_round_number(peak, ceiling):
    assert _nice_ceiling(peak) == ceiling


def test_the_sentiment_bar_grows_right_when_positive_and_left_when_negative():
    positive = parse(str(sentiment_bar(0.5, width=100)))
    negative = parse(str(sentiment_bar(-2.0, width=100)))  # clamped to -1

    value = positive.find(f"{SVG}rect[@class='value']")
    assert (value.get("x"), value.get("width"), value.get("fill")) == ("50", "25", "#1e7d32")
    value = negative.find(f"{SVG}rect[@class='value']")
    assert (value.get("x"), value.get("width"), value.get("fill")) == ("0", "50", "#c62828")
    assert "is-neutral" in str(sentiment_bar(0.01))
    assert negative.get("aria-label") == "Sentiment -1.00 on a scale from -1 to +1"


DAYS = [Period(date(2026, 3, day), f"{day} Mar", f"{day} Mar 2026") for day in (1, 2, 3)]


def parse_figure(markup: str) -> tuple[etree._Element, etree._Element]:
    """A chart with its legend: the SVG, and the list after it (swatches namespaced too)."""
    svg, legend = str(markup).split("</svg>", 1)
    legend = legend.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ')
    return parse(svg + "</svg>"), etree.fromstring(legend)


def test_a_line_chart_draws_one_line_per_series_with_a_tooltip_per_point():
    svg, legend = parse_figure(
        line_chart(DAYS, [Series("Acme", [0, 5, 10]), Series("Globex", [2, 2, 0])], title="T")
    )

    lines = svg.findall(f"{SVG}g[@class='series']")
    assert len(lines) == 2
    acme = points(lines[0].find(f"{SVG}polyline"))
    # Left 40, right 12 of 720; top 12, bottom 26 of 240: the plot is 668 x 202, tops at 10.
    assert [x for x, _ in acme] == pytest.approx([40, 374, 708])
    assert [y for _, y in acme] == pytest.approx([214, 113, 12])
    assert lines[0].find(f"{SVG}polyline").get("stroke") != lines[1].find(f"{SVG}polyline").get(
        "stroke"
    )
    tips = [title.text for title in lines[1].iter(f"{SVG}title")]
    assert tips == [
        "Globex, 1 Mar 2026: 2 mentions",
        "Globex, 2 Mar 2026: 2 mentions",
        "Globex, 3 Mar 2026: 0 mentions",
    ]
    # The second series marks its points with another shape than the first.
    assert lines[0][1].tag == f"{SVG}circle" and lines[1][1].tag == f"{SVG}rect"
    assert svg.get("aria-label") == "T: Acme 15 mentions, Globex 4 mentions"
    assert ["".join(li.itertext()).strip() for li in legend] == [
        "Acme 15 mentions",
        "Globex 4 mentions",
    ]


def test_a_stacked_chart_piles_the_series_on_one_baseline():
    svg, _ = parse_figure(
        stacked_bar_chart(
            DAYS,
            [Series("Positive", [1, 0, 3], "#0a0"), Series("Negative", [1, 0, 1], "#a00")],
            title="Sentiment",
        )
    )

    segments = svg.findall(f"{SVG}rect[@class='segment']")
    # Empty segments are not drawn: 2 + 0 + 2.
    assert len(segments) == 4
    heights = [float(s.get("height")) for s in segments]
    # The axis tops at 5 (the tallest column holds 4): 202 px for 5 mentions.
    assert heights == pytest.approx([40.4, 40.4, 121.2, 40.4])
    first, second = segments[2], segments[3]
    assert float(second.get("y")) + float(second.get("height")) == pytest.approx(
        float(first.get("y"))
    )
    assert [s.get("fill") for s in segments] == ["#0a0", "#a00", "#0a0", "#a00"]
    assert second.find(f"{SVG}title").text == "3 Mar 2026: 1 mention, negative (25 %)"


def test_bars_are_as_long_as_their_share_of_the_longest():
    svg = parse(bar_chart([Bar("Wire", 4, "80 %"), Bar("Daily", 1, "20 %")], title="Top"))

    bars = svg.findall(f".//{SVG}rect[@class='bar']")
    assert [float(bar.get("width")) for bar in bars] == pytest.approx([390, 97.5])
    assert [bar.find(f"{SVG}title").text for bar in bars] == [
        "Wire: 4 mentions (80 %)",
        "Daily: 1 mention (20 %)",
    ]
    labels = [text.text for text in svg.findall(f".//{SVG}text[@class='bar-label']")]
    assert labels == ["Wire", "Daily"]


def test_charts_with_nothing_to_show_still_name_themselves():
    assert "nothing to show" in parse(bar_chart([], title="Top")).get("aria-label")
    svg, legend = parse_figure(line_chart([], [], title="T"))
    assert svg.get("aria-label") == "T: nothing to show" and len(legend) == 0


def test_text_in_the_new_charts_is_escaped():
    hostile = '<script>alert(1)</script>" onload="alert(2)'

    markup = "".join(
        str(chart)
        for chart in (
            line_chart(DAYS, [Series(hostile, [1, 2, 3])], title=hostile),
            stacked_bar_chart(DAYS, [Series(hostile, [1, 2, 3])], title=hostile),
            bar_chart([Bar(hostile, 1, hostile)], title=hostile),
        )
    )

    assert "<script>" not in markup and '" onload="' not in markup
    assert markup.count("&lt;script&gt;alert(1)&lt;/script&gt;&quot; onload=&quot;") >= 9


@pytest.mark.parametrize(
    "value, level", [(0, 0), (1, 1), (20, 1), (21, 2), (50, 3), (99, 5), (100, 5)]
)
def test_heat_levels_follow_the_share_of_the_peak(value, level):
    assert heat_level(value, 100) == level


def test_a_heat_table_shades_by_the_whole_tables_peak():
    table = heat_table(["Cars", "Shops"], [("Acme", "/a", [4, 0]), ("Globex", "/g", [1, 2])])

    assert [[cell.level for cell in row.cells] for row in table.rows] == [[5, 0], [2, 3]]
    assert not table.empty
    assert heat_table(["Cars"], [("Acme", "", [0])]).empty


def test_up_to_92_days_a_point_is_a_day_and_beyond_a_week():
    step, days = periods_for(DateRange(date(2026, 1, 1), date(2026, 4, 2), "UTC"))
    assert step == 1 and len(days) == 92 and days[-1].long == "2 Apr 2026"

    step, weeks = periods_for(DateRange(date(2026, 1, 1), date(2026, 4, 3), "UTC"))
    assert step == 7 and len(weeks) == 14
    assert (weeks[0].short, weeks[0].long) == ("1 Jan", "1 Jan to 7 Jan 2026")
    assert weeks[-1].long == "2 Apr to 3 Apr 2026"
