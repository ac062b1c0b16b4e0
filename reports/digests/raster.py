"""The app's SVG charts as PNG for email: mail clients do not render SVG.

CairoSVG (Kozea, the makers of WeasyPrint; it draws with the system's cairo) turns the very
SVG the pages and the PDF show into a PNG at twice its width, so it stays sharp on high-DPI
screens. The charts carry their colours as attributes (not page CSS), so the PNG looks like
the page. Text inside is already escaped by reports.charts, and CairoSVG fetches nothing
given ``unsafe=False`` (its default) and no ``url``.
"""

from __future__ import annotations

import functools
import re
from typing import Any

INSTALL_HINT = (
    "Chart images in digest emails need cairo: on Debian or Ubuntu, apt install libcairo2 "
    "(README, Set up and run)."
)
SCALE = 2
_VIEWBOX = re.compile(r'viewBox="0 0 ([\d.]+) ([\d.]+)"')


class RasterUnavailable(RuntimeError):
    """cairo cannot be loaded here."""


@functools.cache
def _cairosvg() -> Any:
    try:
        import cairosvg
    except OSError as error:  # "no library called cairo was found"
        raise RasterUnavailable(f"{INSTALL_HINT} ({error})") from error
    return cairosvg


def svg_only(chart: str, font_size: int = 12) -> str:
    """The chart's ``<svg>`` element alone (line and stacked charts put their HTML legend
    after it), made a standalone SVG document."""
    start = chart.index("<svg")
    end = chart.index("</svg>", start) + len("</svg>")
    svg = chart[start:end]
    return svg.replace(
        "<svg ",
        '<svg xmlns="http://www.w3.org/2000/svg" font-family="DejaVu Sans, Arial, sans-serif" '
        f'font-size="{font_size}" ',
        1,
    )


def _font_size(width: float) -> int:
    # The pages set chart text in CSS; here it is an attribute. A wide chart (720 units) is
    # shrunk most in a mail client's column, so its text starts a little larger.
    return 12 if width <= 480 else 13


def chart_png(chart: str) -> tuple[bytes, int, int]:
    """PNG bytes of one chart and its width and height in CSS pixels (for the <img>)."""
    match = _VIEWBOX.search(chart)
    width, height = (float(match[1]), float(match[2])) if match else (480.0, 240.0)
    svg = svg_only(chart, _font_size(width))
    png = _cairosvg().svg2png(
        bytestring=svg.encode(),
        output_width=int(width * SCALE),
        output_height=int(height * SCALE),
        background_color="white",
    )
    return png, int(width), int(height)
