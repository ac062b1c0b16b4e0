"""Canonical article URLs, their hashes, and Google News search-feed URLs.

Two links to the same article should compare equal after `canonicalize_url`, so that an article
seen through several feeds (each adding its own tracking parameters) is stored once. The rules
are deliberately conservative: anything that could change which page a server returns (other
query parameters and their order, http vs https, path case) is left alone.

Named `urls_canonical` because `feeds/urls.py` is Django's URLconf.
"""

from __future__ import annotations

import hashlib
import re
import string
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit, urlunsplit

# Parameters that only say how a visitor arrived; they never select content.
TRACKING_PARAMS: frozenset[str] = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ref_src",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wt_mc",
        "cmpid",
        "s_cid",
        "ncid",
        "ocid",
        "sr_share",
    }
)
TRACKING_PREFIXES: tuple[str, ...] = ("utm_",)

_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
# RFC 3986 characters that may appear literally; everything else is percent-encoded.
_PATH_SAFE = frozenset("!$&'()*+,;=:@/")
_QUERY_SAFE = frozenset("!$'()*+,;=:@/?")  # no "&": parameters were already split on it
_TOKEN = re.compile(r"%[0-9A-Fa-f]{2}|.", re.DOTALL)
_CODE = re.compile(r"^[A-Za-z]{2}$")
MAX_KEYWORDS_LENGTH = 500


def canonicalize_url(url: str) -> str:
    """Return the canonical form of an absolute http(s) URL; ValueError for anything else."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"{url!r} is not an http or https address.")
    host = _canonical_host(parts.hostname or "", url)
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{url!r} has an invalid port.") from exc
    userinfo, _, _ = parts.netloc.rpartition("@")
    netloc = f"{userinfo}@" if userinfo else ""
    netloc += host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    path = _remove_dot_segments(_normalize_percent(parts.path, _PATH_SAFE)) or "/"
    if not path.startswith("/"):
        path = "/" + path
    return urlunsplit((scheme, netloc, path, _canonical_query(parts.query), ""))


def url_hash(canonical: str) -> str:
    """SHA-256 hex digest of an (already canonical) URL: a fixed-size key for unique indexes."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def build_search_feed_url(keywords: str, language: str, country: str) -> str:
    """The Google News RSS search feed for `keywords` in one language and country edition."""
    words = " ".join(keywords.split())
    if not words:
        raise ValueError("Enter at least one keyword to search for.")
    if len(words) > MAX_KEYWORDS_LENGTH:
        raise ValueError(f"Keywords must be at most {MAX_KEYWORDS_LENGTH} characters long.")
    if not _CODE.match(language):
        raise ValueError(f"Language must be a two-letter code such as 'en', not {language!r}.")
    if not _CODE.match(country):
        raise ValueError(f"Country must be a two-letter code such as 'US', not {country!r}.")
    lang, cc = language.lower(), country.upper()
    return (
        f"https://news.google.com/rss/search?q={quote_plus(words)}"
        f"&hl={lang}-{cc}&gl={cc}&ceid={cc}:{lang}"
    )


def is_tracking_param(name: str) -> bool:
    key = unquote_plus(name).strip().lower()
    return key in TRACKING_PARAMS or key.startswith(TRACKING_PREFIXES)


def _canonical_host(hostname: str, url: str) -> str:
    # urlsplit already lower-cased the host and removed IPv6 brackets.
    if not hostname:
        raise ValueError(f"{url!r} has no host name.")
    if ":" in hostname:
        return f"[{hostname}]"
    hostname = hostname.rstrip(".")  # "example.com." names the same host as "example.com"
    if hostname.isascii():
        return hostname
    try:
        return hostname.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise ValueError(f"{url!r} has an invalid international host name.") from exc


def _canonical_query(query: str) -> str:
    kept = [
        _normalize_percent(pair, _QUERY_SAFE)
        for pair in query.split("&")
        if pair and not is_tracking_param(pair.partition("=")[0])
    ]
    return "&".join(kept)


def _normalize_percent(component: str, safe: frozenset[str]) -> str:
    """Decode escapes of unreserved characters, upper-case the others, encode what must be.

    Existing escapes are kept (never double-encoded); a lone "%" becomes "%25".
    """
    out: list[str] = []
    for token in _TOKEN.findall(component):
        if len(token) == 3:
            char = chr(int(token[1:], 16))
            out.append(char if char in _UNRESERVED else token.upper())
        elif token in _UNRESERVED or token in safe:
            out.append(token)
        else:
            out.append(quote(token, safe=""))
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    # RFC 3986 section 5.2.4, for the absolute paths http(s) URLs have.
    if "." not in path:
        return path
    segments = path.split("/")
    result: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment in (".", ".."):
            if segment == ".." and len(result) > 1:
                result.pop()
            if last:
                result.append("")
            continue
        result.append(segment)
    return "/".join(result)
