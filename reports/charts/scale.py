"""What every chart shares: number formatting, round axis tops and the colours.

Colours are written into the SVG as attributes, never as page CSS: the PDF renderer and the
PNG made for emails ignore the page's stylesheet.
"""

# Sentiment tones, the same in pages, PDF and email.
TONES = {"positive": "#1e7d32", "neutral": "#8a94a3", "negative": "#c62828"}

# Ten series at most are compared; these ten stay apart for most colour-blind readers
# (Okabe-Ito, then Tableau's darker hues), and each series also differs by its marker.
PALETTE = (
    "#0072b2",
    "#d55e00",
    "#009e73",
    "#cc79a7",
    "#e69f00",
    "#56b4e9",
    "#6a3d9a",
    "#8c564b",
    "#333333",
    "#b8860b",
)


def _num(value: float) -> str:
    """Coordinates with at most two decimals, without trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _nice_ceiling(value: int) -> int:
    """The axis maximum: 1, 2, 5 or 10 times a power of ten, at least ``value``."""
    if value <= 0:
        return 1
    magnitude = 1
    while magnitude * 10 <= value:
        magnitude *= 10
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= value:
            return factor * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def _half(ceiling: int) -> str:
    half = ceiling / 2
    return str(int(half)) if half == int(half) else f"{half:g}"


def plural(count: int, word: str) -> str:
    if count == 1:
        return f"1 {word}"
    return f"{count:,} {word[:-1] + 'ies' if word.endswith('y') else word + 's'}"


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]
