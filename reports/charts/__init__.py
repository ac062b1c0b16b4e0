"""Charts drawn on the server as inline SVG: no chart library, nothing fetched from a CDN.

One system for the pages, the PDF and (as PNG) the emails; docs/architecture.md says why.
Every piece of text in a chart goes through ``format_html``: a brand called ``<script>`` is
drawn as those characters, never run.
"""

from reports.charts.bars import Bar, bar_chart
from reports.charts.heat import HeatTable, heat_level, heat_table
from reports.charts.scale import PALETTE, TONES, _nice_ceiling
from reports.charts.series import Period, Series, legend, line_chart, stacked_bar_chart
from reports.charts.small import daily_bar_chart, empty_chart, sentiment_bar, sparkline
from reports.charts.table import DataTable

__all__ = [
    "PALETTE",
    "TONES",
    "Bar",
    "DataTable",
    "HeatTable",
    "Period",
    "Series",
    "_nice_ceiling",
    "bar_chart",
    "daily_bar_chart",
    "empty_chart",
    "heat_level",
    "heat_table",
    "legend",
    "line_chart",
    "sentiment_bar",
    "sparkline",
    "stacked_bar_chart",
]
