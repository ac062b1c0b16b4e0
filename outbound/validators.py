"""The one check of a URL the app will fetch later (feeds, brand websites), run when the URL
is entered: forms, services, models (hence the admin), imports.

Fetching already refuses these addresses (after DNS and on every redirect); refusing them at
the door as well means nobody stores a feed or website that can never be read, and the
person entering it learns why at once instead of from a failed run later."""

import ipaddress
import socket

from django.conf import settings
from django.core.exceptions import ValidationError

from outbound.addresses import Target, allowed_addresses, parse_url, refusal_reason
from outbound.errors import BlockedAddress, FetchError, InvalidURL


def validate_public_url(url: str, *, field: str | None = None, resolve: bool = True) -> None:
    """Refuse ``url`` unless it is http(s), without credentials, to a host that does not
    resolve to a loopback, link-local (cloud metadata), private or otherwise reserved
    address. ``OUTBOUND_ALLOW_PRIVATE_ADDRESSES`` lets private addresses through (as the
    fetch does), never a bad scheme or credentials. With ``field``, the error is that
    field's (for a model's clean() or a service). ``resolve=False`` asks no DNS server: only
    a host written as an address (``127.0.0.1``, ``127.1``, ``[::1]``) is judged, for bulk
    checks such as loading the knowledge base."""
    try:
        _check(url, resolve=resolve)
    except ValidationError as error:
        raise (ValidationError({field: error.messages}) if field else error) from None


def _check(url: str, *, resolve: bool) -> None:
    try:
        target = parse_url(url)
        if not settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES:
            if resolve:
                allowed_addresses(target)
            else:
                _check_literal_address(target)
    except InvalidURL as error:
        raise ValidationError(_sentence(error.message), code="invalid_url") from None
    except BlockedAddress as error:
        raise ValidationError(_sentence(error.message), code="private_address") from None
    except FetchError:
        pass  # A host that does not resolve today may tomorrow; the fetch will tell.


def _check_literal_address(target: Target) -> None:
    try:  # AI_NUMERICHOST: the C library parses 127.1 or 0x7f.1 itself, with no lookup.
        infos = socket.getaddrinfo(
            target.host, target.port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST
        )
    except (socket.gaierror, UnicodeError):
        return  # a name: judged when it is fetched
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        reason = refusal_reason(address)
        if reason is not None:
            shown = target.host if target.host == str(address) else f"{target.host} ({address})"
            raise BlockedAddress(f"{shown} is {reason}", target.url)


def _sentence(message: str) -> str:
    return message[0].upper() + message[1:] + "."
