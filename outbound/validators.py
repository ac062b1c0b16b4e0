"""The one check of a URL the app will fetch later (feeds, brand websites), run when the URL
is entered: forms, services, models (hence the admin), imports.

Fetching already refuses these addresses (after DNS and on every redirect); refusing them at
the door as well means nobody stores a feed or website that can never be read, and the
person entering it learns why at once instead of from a failed run later."""

from django.conf import settings
from django.core.exceptions import ValidationError

from outbound.addresses import allowed_addresses, parse_url
from outbound.errors import BlockedAddress, FetchError, InvalidURL


def validate_public_url(url: str, *, field: str | None = None) -> None:
    """Refuse ``url`` unless it is http(s), without credentials, to a host that does not
    resolve to a loopback, link-local (cloud metadata), private or otherwise reserved
    address. ``OUTBOUND_ALLOW_PRIVATE_ADDRESSES`` lets private addresses through (as the
    fetch does), never a bad scheme or credentials. With ``field``, the error is that
    field's (for a model's clean() or a service)."""
    try:
        _check(url)
    except ValidationError as error:
        raise (ValidationError({field: error.messages}) if field else error) from None


def _check(url: str) -> None:
    try:
        target = parse_url(url)
        if not settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES:
            allowed_addresses(target)
    except InvalidURL as error:
        raise ValidationError(_sentence(error.message), code="invalid_url") from None
    except BlockedAddress as error:
        raise ValidationError(_sentence(error.message), code="private_address") from None
    except FetchError:
        pass  # A host that does not resolve today may tomorrow; the fetch will tell.


def _sentence(message: str) -> str:
    return message[0].upper() + message[1:] + "."
