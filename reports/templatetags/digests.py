"""Template tags of the digest templates: a chart as PNG (email) or SVG (PDF, preview), and
the chosen columns of the top-brands table."""

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from reports.digests.models import Column

register = template.Library()


@register.simple_tag
def chart(content: Any, key: str, mode: str) -> SafeString | str:
    found = content.charts.get(key)
    if found is None:
        return ""
    if mode == "email" and found.cid:
        # The PNG travels inside the email (multipart/related); the alt text says its numbers.
        return format_html(
            '<img src="cid:{}" width="{}" height="{}" alt="{}" '
            'style="display:block;max-width:100%;height:auto;margin:8px 0">',
            found.cid,
            found.width,
            found.height,
            found.title,
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
