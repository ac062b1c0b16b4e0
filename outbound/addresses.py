"""Which URLs and addresses the app may contact (the SSRF policy).

Feed, article and webhook URLs come from users, so a URL is a request to make our server
connect somewhere. We accept http(s) only, resolve the host once, and refuse the connection
unless *every* resolved address is public. The client then connects to exactly these
checked addresses, so a second DNS answer (DNS rebinding) cannot redirect it.

:func:`refusal_reason` is the whole address policy in one function, so tests can replace it.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from django.conf import settings

from outbound.errors import BlockedAddress, ConnectionFailed, InvalidURL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_PORTS = {"http": 80, "https": 443}
# After IDNA encoding a host name may only hold these (underscores do occur in real DNS).
_HOST_NAME = re.compile(r"^[a-z0-9_.-]+$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# RFC 3986 reserved and unreserved characters plus "%": existing escapes stay as they are,
# anything else (spaces, non-ASCII) is percent-encoded as browsers do.
_SAFE_PATH = "/%!$&'()*+,;=:@-._~"
_SAFE_QUERY = _SAFE_PATH + "?"

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# Special-purpose networks whose ``ipaddress`` flags are missing or misleading in messages.
_NAMED_NETWORKS: tuple[tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, str], ...] = tuple(
    (ipaddress.ip_network(network), reason)
    for network, reason in (
        ("0.0.0.0/8", "a 'this network' address"),
        ("100.64.0.0/10", "a shared (carrier-grade NAT) address"),
        ("192.0.2.0/24", "a documentation address"),
        ("198.51.100.0/24", "a documentation address"),
        ("203.0.113.0/24", "a documentation address"),
        ("2001:db8::/32", "a documentation address"),
        ("198.18.0.0/15", "a benchmarking address"),
        ("255.255.255.255/32", "a broadcast address"),
        ("240.0.0.0/4", "a reserved address"),
        ("64:ff9b:1::/48", "a local-use NAT64 address"),
    )
)


@dataclass(frozen=True)
class Target:
    """A validated http(s) URL, split into what the client needs to connect."""

    url: str  # normalized: fragment removed, path and query percent-encoded
    scheme: str
    host: str  # lower-case ASCII (IDNA), IPv6 without brackets
    port: int
    path: str  # path plus query, as sent in the request line

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == DEFAULT_PORTS[self.scheme] else f"{host}:{self.port}"

    @property
    def origin(self) -> tuple[str, str, int]:
        return (self.scheme, self.host, self.port)


def parse_url(url: str) -> Target:
    """Validate ``url`` and split it, or raise :class:`InvalidURL` saying what is wrong."""
    url = url.strip()
    if _CONTROL.search(url):
        raise InvalidURL("the URL contains control characters", url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise InvalidURL(f"the URL is malformed ({error})", url) from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        if not scheme or "://" not in url:
            raise InvalidURL("the URL must start with http:// or https://", url)
        raise InvalidURL(f"only http and https URLs are allowed, not {scheme}:", url)
    if "@" in parts.netloc:
        # Credentials in URLs leak into logs and Referer headers; callers pass headers.
        raise InvalidURL("URLs with a user name or password are not allowed", url)
    host = _normalize_host(parts.hostname or "", bracketed="[" in parts.netloc, url=url)
    if port is None:
        port = DEFAULT_PORTS[scheme]
    elif not 0 < port < 65536:
        raise InvalidURL(f"port {port} is out of range", url)
    path = quote(parts.path, safe=_SAFE_PATH) or "/"
    query = quote(parts.query, safe=_SAFE_QUERY)
    netloc = Target(url, scheme, host, port, path).host_header
    normalized = urlunsplit((scheme, netloc, path, query, ""))
    request_path = f"{path}?{query}" if query else path
    return Target(normalized, scheme, host, port, request_path)


def _normalize_host(host: str, *, bracketed: bool, url: str) -> str:
    if not host:
        raise InvalidURL("the URL has no host name", url)
    if bracketed:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise InvalidURL(f"[{host}] is not a valid IPv6 address", url) from None
        return host
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise InvalidURL(f"{host} is not a valid host name", url) from None
    if not _HOST_NAME.match(ascii_host) or ascii_host.strip(".") == "":
        raise InvalidURL(f"{host} is not a valid host name", url)
    return ascii_host


def refusal_reason(address: IPAddress) -> str | None:
    """Why ``address`` must not be contacted (e.g. "a loopback address"), or None if public."""
    if isinstance(address, ipaddress.IPv6Address):
        # Forms that embed an IPv4 address reach that address: judge the embedded one.
        if address.ipv4_mapped is not None:
            inner = refusal_reason(address.ipv4_mapped)
            return inner and f"an IPv4-mapped form of {address.ipv4_mapped}, {inner}"
        if address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
            inner = refusal_reason(embedded)
            return inner and f"a NAT64 form of {embedded}, {inner}"
        tunnelled = [address.sixtofour, *(address.teredo or ())]
        for embedded_v4 in filter(None, tunnelled):
            inner = refusal_reason(embedded_v4)
            if inner:
                return f"a tunnel address embedding {embedded_v4}, {inner}"
    if address.is_unspecified:
        return "an unspecified address"
    if address.is_loopback:
        return "a loopback address"
    if address == ipaddress.IPv4Address("169.254.169.254"):
        return "the link-local cloud metadata address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    for network, reason in _NAMED_NETWORKS:
        if address.version == network.version and address in network:
            return reason
    if address.is_private:
        return "a private address"
    if address.is_reserved:
        return "a reserved address"
    if not address.is_global:
        return "a non-public address"
    return None


def resolve(host: str, port: int, url: str = "") -> tuple[IPAddress, ...]:
    """Every address ``host`` resolves to, in the resolver's order, without duplicates.

    getaddrinfo also turns spellings such as ``2130706433``, ``0177.0.0.1``, ``0x7f.0.0.1``
    and ``127.1`` into 127.0.0.1, which is why the policy judges resolved addresses, never
    the host text.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise ConnectionFailed(f"could not resolve host {host}", url) from None
    found: dict[IPAddress, None] = {}
    for family, _type, _proto, _name, sockaddr in infos:
        if family in (socket.AF_INET, socket.AF_INET6):
            found.setdefault(ipaddress.ip_address(sockaddr[0]))
    if not found:
        raise ConnectionFailed(f"could not resolve host {host}", url)
    return tuple(found)


def allowed_addresses(target: Target) -> tuple[IPAddress, ...]:
    """Resolve ``target.host`` once and return its addresses if all of them are allowed.

    All must pass, not just the first: a host with one public and one private record
    would otherwise reach the private one whenever the client falls back to it.
    """
    addresses = resolve(target.host, target.port, target.url)
    if settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES:
        return addresses
    for address in addresses:
        reason = refusal_reason(address)
        if reason is not None:
            raise BlockedAddress(_refusal_message(target.host, address, reason), target.url)
    return addresses


def _refusal_message(host: str, address: IPAddress, reason: str) -> str:
    try:
        literal = ipaddress.ip_address(host) == address
    except ValueError:
        literal = False
    return f"{host} is {reason}" if literal else f"{host} resolves to {address}, {reason}"


def check_url(url: str) -> None:
    """Raise :class:`InvalidURL`, :class:`BlockedAddress` or :class:`ConnectionFailed`
    if ``url`` could not be fetched; fetch nothing. Forms use it to reject addresses early.
    """
    allowed_addresses(parse_url(url))
