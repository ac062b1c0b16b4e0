"""The address policy: which URLs and resolved addresses the outbound client may contact."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from typing import Any

import pytest

from outbound import BlockedAddress, ConnectionFailed, InvalidURL, check_url
from outbound.addresses import parse_url, refusal_reason

REAL_GETADDRINFO = socket.getaddrinfo


def fake_resolver(
    monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]
) -> Callable[[], list[str]]:
    """Make the names in ``answers`` resolve to those addresses; others resolve for real.

    DNS cannot be staged on a test machine otherwise. Returns the list of names looked up.
    """
    looked_up: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        looked_up.append(host)
        if host not in answers:
            return REAL_GETADDRINFO(host, port, *args, **kwargs)
        results = []
        for text in answers[host]:
            address = ipaddress.ip_address(text)
            if address.version == 4:
                results.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (text, port)))
            else:
                results.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (text, port, 0, 0)))
        return results

    monkeypatch.setattr("outbound.addresses.socket.getaddrinfo", getaddrinfo)
    return lambda: looked_up


# -- the policy function, on ipaddress objects ----------------------------------------------


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.5", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.255", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456:789a::1", "private"),
        ("169.254.169.254", "metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("100.64.0.1", "carrier-grade NAT"),
        ("100.127.255.254", "carrier-grade NAT"),
        ("224.0.0.1", "multicast"),
        ("239.255.255.250", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "broadcast"),
        ("0.0.0.0", "unspecified"),  # noqa: S104 (an address under test, not a bind)
        ("::", "unspecified"),
        ("0.1.2.3", "this network"),
        ("192.0.2.10", "documentation"),
        ("2001:db8::1", "documentation"),
        ("198.18.0.1", "benchmarking"),
        ("::ffff:127.0.0.1", "IPv4-mapped form of 127.0.0.1, a loopback"),
        ("::ffff:10.0.0.1", "IPv4-mapped form of 10.0.0.1, a private"),
        ("::ffff:169.254.169.254", "metadata"),
        ("64:ff9b::10.0.0.1", "NAT64 form of 10.0.0.1, a private"),
        ("64:ff9b::127.0.0.1", "NAT64 form of 127.0.0.1, a loopback"),
        ("64:ff9b:1::a00:1", "local-use NAT64"),
        ("2002:7f00:1::", "tunnel address embedding 127.0.0.1, a loopback"),  # 6to4
        ("2002:c0a8:101::1", "tunnel address embedding 192.168.1.1, a private"),
        # Teredo: server 65.54.227.120, client 10.0.0.1 stored bit-inverted.
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "embedding 10.0.0.1, a private"),
    ],
)
def test_it_refuses_every_non_public_address_class(address: str, expected: str) -> None:
    reason = refusal_reason(ipaddress.ip_address(address))

    assert reason is not None
    assert expected in reason


@pytest.mark.parametrize(
    "address",
    [
        "93.184.216.34",
        "8.8.8.8",
        "1.1.1.1",
        "2606:4700:4700::1111",
        "2a00:1450:4001:80b::200e",
        "::ffff:8.8.8.8",  # a mapped public address reaches that public address
        "64:ff9b::8.8.8.8",  # so does NAT64 of a public address
        "2002:808:808::1",  # and 6to4 of one
    ],
)
def test_it_allows_public_addresses(address: str) -> None:
    assert refusal_reason(ipaddress.ip_address(address)) is None


# -- URL validation ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "only http and https"),
        ("ftp://example.com/feed.xml", "only http and https"),
        ("gopher://example.com/", "only http and https"),
        ("data:text/plain,hello", "must start with http:// or https://"),
        ("javascript:alert(1)", "must start with http:// or https://"),
        ("example.com/feed.xml", "must start with http:// or https://"),
        ("", "must start with http:// or https://"),
        ("http://user:secret@example.com/", "user name or password"),
        ("http://user@example.com/", "user name or password"),
        ("https://:@example.com/", "user name or password"),
        ("http://", "no host name"),
        ("http:///feed.xml", "no host name"),
        ("http://:8080/", "no host name"),
        ("http://example.com:99999/", "malformed"),
        ("http://example.com:http/", "malformed"),
        ("http://exa mple.com/", "not a valid host name"),
        ("http://example.com\r\nX-Injected: 1/", "control characters"),
        ("http://[not-ipv6]/", "malformed"),
    ],
)
def test_it_rejects_invalid_urls_with_a_clear_message(url: str, message: str) -> None:
    with pytest.raises(InvalidURL) as error:
        parse_url(url)

    assert message in error.value.message
    assert error.value.url == url.strip()


def test_it_normalizes_urls_for_the_request_line() -> None:
    target = parse_url("HTTP://Bücher.Example:8080/news feed/ä?q=a b#section")

    assert target.scheme == "http"
    assert target.host == "xn--bcher-kva.example"
    assert target.port == 8080
    assert target.path == "/news%20feed/%C3%A4?q=a%20b"
    assert target.url == "http://xn--bcher-kva.example:8080/news%20feed/%C3%A4?q=a%20b"
    assert target.host_header == "xn--bcher-kva.example:8080"


def test_ipv6_literals_are_bracketed_in_url_and_host_header() -> None:
    target = parse_url("http://[::1]:8080/a?b=c")
    default_port = parse_url("https://[2606:4700:4700::1111]/")

    assert (target.host, target.port, target.path) == ("::1", 8080, "/a?b=c")
    assert target.host_header == "[::1]:8080"
    assert target.url == "http://[::1]:8080/a?b=c"
    assert default_port.host_header == "[2606:4700:4700::1111]"
    assert default_port.path == "/"


def test_existing_percent_escapes_are_kept() -> None:
    assert parse_url("https://example.com/a%2Fb?x=%26").path == "/a%2Fb?x=%26"


# -- check_url: validation plus resolution plus policy, without fetching ------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1/", "127.0.0.1 is a loopback address"),
        ("http://[::1]:8000/", "::1 is a loopback address"),
        ("http://2130706433/", "2130706433 resolves to 127.0.0.1, a loopback address"),
        ("http://0177.0.0.1/", "0177.0.0.1 resolves to 127.0.0.1, a loopback address"),
        ("http://0x7f.0.0.1/", "0x7f.0.0.1 resolves to 127.0.0.1, a loopback address"),
        ("http://127.1/", "127.1 resolves to 127.0.0.1, a loopback address"),
        ("http://localhost:8000/", "localhost resolves to"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is the link-local"),
        ("http://0.0.0.0:8000/", "0.0.0.0 is an unspecified address"),
        ("http://[::ffff:127.0.0.1]/", "IPv4-mapped form of 127.0.0.1"),
    ],
)
def test_check_url_refuses_private_addresses_in_every_spelling(
    settings: Any, url: str, message: str
) -> None:
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False

    with pytest.raises(BlockedAddress) as error:
        check_url(url)

    assert message in error.value.message
    assert error.value.url == parse_url(url).url


def test_check_url_refuses_a_name_that_resolves_to_a_private_address(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    fake_resolver(monkeypatch, {"intranet.example": ["10.0.0.5"]})

    with pytest.raises(BlockedAddress) as error:
        check_url("https://intranet.example/wiki")

    assert error.value.message == "intranet.example resolves to 10.0.0.5, a private address"


def test_one_private_record_among_public_ones_is_enough_to_refuse(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    fake_resolver(monkeypatch, {"mixed.example": ["93.184.216.34", "2606:2800::1", "10.1.2.3"]})

    with pytest.raises(BlockedAddress, match=r"10\.1\.2\.3, a private address"):
        check_url("http://mixed.example/")


def test_check_url_accepts_public_addresses_without_fetching(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False
    looked_up = fake_resolver(monkeypatch, {"news.example": ["93.184.216.34", "2606:2800::1"]})

    check_url("https://news.example/feed.xml")
    check_url("http://93.184.216.34:8080/rss")

    assert looked_up() == ["news.example", "93.184.216.34"]


def test_check_url_allows_private_addresses_when_the_setting_says_so(settings: Any) -> None:
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = True

    check_url("http://127.0.0.1:8000/")
    with pytest.raises(InvalidURL):
        check_url("file:///etc/passwd")  # http(s) only, even then


def test_check_url_reports_a_host_that_does_not_resolve(settings: Any) -> None:
    settings.OUTBOUND_ALLOW_PRIVATE_ADDRESSES = False

    with pytest.raises(ConnectionFailed) as error:
        check_url("http://nonexistent.invalid/feed")

    assert error.value.message == "could not resolve host nonexistent.invalid"
    assert error.value.url == "http://nonexistent.invalid/feed"
