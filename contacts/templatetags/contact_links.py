"""Links to addresses that came from outside (a provider's result, a file, the admin).

A stored ``javascript:`` or ``data:`` URL is text, never a link: pages render the address
through ``http_url``, which gives it back only when it is http(s)."""

from django import template

from contacts.validators import http_only

register = template.Library()


@register.filter
def http_url(value: object) -> str:
    """``value`` when it is an http(s) URL with a host, else ""."""
    return http_only(value)
