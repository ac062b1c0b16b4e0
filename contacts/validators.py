"""Shape checks for contact fields, shared by the contact form, the import and the admin.

The model's own EmailField/URLField validators check that a value is *an* email or *a* URL;
these say whether it is a phone number or a LinkedIn profile, so a pasted company page or a
fax line with letters in it is refused the same way everywhere."""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError

_PHONE_CHARS = re.compile(r"^[0-9 +().\-]+$")
PHONE_MIN_DIGITS = 6
PHONE_MAX_DIGITS = 20

# A person's profile, not a company page or a post: https, linkedin.com (optionally www. or
# a two-letter country subdomain such as uk.), /in/<slug>, an optional trailing slash.
# \w is Unicode-aware, so profiles with accented slugs are accepted.
_LINKEDIN_PROFILE = re.compile(
    r"^https://(?:(?:www|[a-z]{2})\.)?linkedin\.com/in/[\w\-%]{2,100}/?$", re.IGNORECASE
)


def validate_phone(value: str) -> None:
    """Digits, spaces and + ( ) - . only, with 6 to 20 digits. Empty is allowed."""
    value = value.strip()
    if not value:
        return
    if not _PHONE_CHARS.match(value):
        raise ValidationError(
            "Enter a phone number using digits, spaces and + ( ) - . only.", code="phone_chars"
        )
    digits = sum(char.isdigit() for char in value)
    if not PHONE_MIN_DIGITS <= digits <= PHONE_MAX_DIGITS:
        raise ValidationError(
            f"A phone number has {PHONE_MIN_DIGITS} to {PHONE_MAX_DIGITS} digits "
            f"(this one has {digits}).",
            code="phone_digits",
        )


def validate_linkedin_url(value: str) -> None:
    """A LinkedIn profile URL: https://www.linkedin.com/in/<name>/. Empty is allowed."""
    value = value.strip()
    if not value:
        return
    if not _LINKEDIN_PROFILE.match(value):
        raise ValidationError(
            "Enter a LinkedIn profile URL such as https://www.linkedin.com/in/jane-doe/.",
            code="linkedin_url",
        )


def http_only(value: object) -> str:
    """``value`` when it is an http(s) URL with a host, else "": what may become a link.

    Providers' results and old rows are not all model-validated; a ``javascript:`` or
    ``data:`` address must never be stored as a source or rendered as a link."""
    text = str(value or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return ""
    return text
