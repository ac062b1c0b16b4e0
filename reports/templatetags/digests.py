"""Template tags of the digest templates: a chart as PNG (email) or SVG (PDF, preview), and
the chosen columns of the top-brands table."""

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from reports.charts.scale import TONES
from reports.digests.models import Column

register = template.Library()

# The email's styles, written inline (mail clients drop <style> blocks and linked CSS).
EMAIL_STYLES = {
    "body": "margin:0;padding:16px;font-family:Arial,Helvetica,sans-serif;color:#1d232b;"
    "background:#ffffff",
    "page": "max-width:640px;margin:0 auto",
    "kicker": "margin:0;color:#2454d6;text-transform:uppercase;font-size:12px;letter-spacing:.08em",
    "h1": "font-size:22px;margin:4px 0 8px",
    "h2": "font-size:17px;margin:20px 0 8px",
    "muted": "color:#5f6b7a;font-size:13px",
    "empty": "padding:12px;background:#f3f5f8;border-radius:6px",
    "table": "border-collapse:collapse;width:100%;font-size:13px",
    "figure": "padding:6px 12px 6px 0;vertical-align:top",
    "big": "font-size:20px",
    "th": "text-align:left;padding:4px;border-bottom:1px solid #dde2e8",
    "td": "padding:4px;border-bottom:1px solid #f0f2f5",
    "list": "padding-left:18px",
    "up": f"color:{TONES['positive']}",
    "down": f"color:{TONES['negative']}",
    "positive": f"color:{TONES['positive']}",
    "neutral": f"color:{TONES['neutral']}",
    "negative": f"color:{TONES['negative']}",
    "hr": "border:0;border-top:1px solid #dde2e8;margin:24px 0 12px",
    "footer": "font-size:12px;color:#5f6b7a",
    "chart": "display:block;max-width:100%;height:auto;margin:8px 0",
    "logo": "display:block;border:0;margin:0 0 8px",
}


@register.simple_tag
def css(name: str, mode: str) -> SafeString | str:
    """`` style="…"`` in the email, nothing elsewhere (pages style the classes instead)."""
    if mode != "email":
        return ""
    return format_html(' style="{}"', EMAIL_STYLES[name])


@register.simple_tag
def chart(content: Any, key: str, mode: str) -> SafeString | str:
    found = content.charts.get(key)
    if found is None:
        return ""
    if mode == "email" and found.cid:
        # The PNG travels inside the email (multipart/related); the alt text says its numbers.
        return format_html(
            '<img src="cid:{}" width="{}" height="{}" alt="{}"{}>',
            found.cid,
            found.width,
            found.height,
            found.title,
            css("chart", mode),
        )
    return format_html('<div class="digest-chart">{}</div>', found.svg)


@register.simple_tag
def column_label(column: str) -> str:
    try:
        return str(Column(column).label)
    except ValueError:
        return column


@register.simple_tag
def column_value(row: dict[str, Any], column: str) -> str:
    # A string: the plain-text template renders with autoescape off, where a simple tag's
    # value is joined as it is.
    value = row.get(column, "")
    if column == Column.SENTIMENT:
        return f"{value:+.2f}"
    return str(value)
