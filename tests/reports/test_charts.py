"""Server-side SVG charts: shapes that follow the numbers, and text that is always escaped."""

from datetime import date

import pytest
from lxml import etree

from reports.charts import (
    _nice_ceiling,
    daily_bar_chart,
    empty_chart,
    sentiment_bar,
    sparkline,
)

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
