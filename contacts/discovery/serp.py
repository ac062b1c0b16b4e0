"""Reading public-profile search results: "Jane Doe - Head of PR - Acme | LinkedIn".

Only the title, URL and snippet the search API returned are read; the profile page itself is
never requested. A result becomes a candidate only when it is a profile URL
(``linkedin.com/in/<name>``), its title starts with a person's name, the person currently
works at the brand, and their title (or the snippet) names one of the role keywords.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from contacts.discovery.base import Candidate
from contacts.discovery.names import (
    clean_person_name,
    looks_like_title,
    mentions_brand,
    mentions_role,
    plain_text,
)
from contacts.models import ContactSource

# LinkedIn public profiles, on www. or a country subdomain (uk., de.) of linkedin.com.
_PROFILE_HOST = re.compile(r"^(?:www\.|[a-z]{2,3}\.)?linkedin\.com$")
_PROFILE_PATH = re.compile(r"^/in/([A-Za-z0-9%_\-]{2,100})/?$")
# Separators between the parts of a result title; spaces around them, so that hyphenated
# names ("Anne-Marie") stay whole.
# Hyphen, en and em dash, bar, middle dot, bullet.
_SEPARATOR = re.compile(r"\s+[|\-\u2013\u2014\u00b7\u2022]\s+")
_LINKEDIN_SUFFIX = re.compile(
    r"\s*(?:[|\-\u2013\u2014\u00b7\u2022]\s*)?linkedin\s*$", re.IGNORECASE
)
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|\u2026)\s*$")
_AT_COMPANY = re.compile(r"^(?P<title>.+?)\s+(?:at|@|bei|chez|en)\s+(?P<company>.+)$")
_EXPERIENCE = re.compile(r"Experience:\s*(?P<company>[^·|]+?)\s*(?:·|\||$)", re.IGNORECASE)
_SNIPPET_ROLE = re.compile(r"^(?P<title>[^.·|]{3,90}?)\s+(?:at|@)\s+(?P<company>[^.·|]{2,80})")


def profile_url(url: str) -> str | None:
    """The canonical ``https://www.linkedin.com/in/<slug>`` for a profile URL, else None
    (company pages, posts, directories and other sites are not profiles)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not _PROFILE_HOST.match(parts.hostname or ""):
        return None
    match = _PROFILE_PATH.match(parts.path)
    if not match:
        return None
    return f"https://www.linkedin.com/in/{match.group(1)}"


def split_title(title: str) -> list[str]:
    """The parts of a result title, without the trailing "| LinkedIn" and a cut-off "…"."""
    text = _ELLIPSIS.sub("", plain_text(title))
    text = _LINKEDIN_SUFFIX.sub("", text).strip()
    return [part.strip() for part in _SEPARATOR.split(text) if part.strip()]


def _role_and_company(
    parts: list[str], pattern: re.Pattern[str] | None, brand_name: str
) -> tuple[str, str]:
    """(title, company) from the parts after the name: "Head of PR", "Acme"."""
    if not parts:
        return "", ""
    if len(parts) >= 2:
        # Usually "title - company"; a location may follow ("- Acme - London").
        rest = parts[1:]
        role = parts[0]
        company = next((part for part in rest if mentions_brand(part, brand_name)), rest[0])
    elif looks_like_title(parts[0], pattern):
        role, company = parts[0], ""
    else:
        role, company = "", parts[0]
    at = _AT_COMPANY.match(role)
    if at:
        role = at.group("title").strip()
        company = company or at.group("company").strip()
    return role, company


def parse_result(
    *,
    title: str,
    url: str,
    description: str,
    brand_name: str,
    role_pattern: re.Pattern[str] | None,
) -> Candidate | None:
    """One search result as a candidate, or None when it is not a profile of someone in one
    of the roles at the brand."""
    link = profile_url(url)
    if link is None:
        return None
    parts = split_title(title)
    if not parts:
        return None
    name = clean_person_name(parts[0])
    if name is None:
        return None
    role, company = _role_and_company(parts[1:], role_pattern, brand_name)
    snippet = plain_text(description)
    if not role:
        from_snippet = _SNIPPET_ROLE.match(snippet)
        if from_snippet:
            role = from_snippet.group("title").strip()
            company = company or from_snippet.group("company").strip()
    if not company:
        experience = _EXPERIENCE.search(snippet)
        company = experience.group("company").strip() if experience else ""
    # Someone whose current company is another one only mentions the brand in passing.
    works_there = mentions_brand(company, brand_name) or (
        not company and mentions_brand(snippet, brand_name)
    )
    if not works_there:
        return None
    in_role = mentions_role(role, role_pattern) or (
        not role and mentions_role(snippet, role_pattern)
    )
    if not in_role:
        return None
    excerpt = plain_text(title) + (f" — {snippet}" if snippet else "")
    return Candidate(
        full_name=name[:200],
        title=role[:200],
        company=(company or brand_name)[:200],
        linkedin_url=link,
        source=ContactSource.WEB_SEARCH,
        source_url=link,
        excerpt=excerpt[:1000],
    )


def search_query(brand_name: str, role_keywords: list[str], limit: int = 10) -> str:
    """``site:linkedin.com/in "Acme" ("PR" OR "marketing")``; quotes in names are dropped."""
    brand = brand_name.replace('"', " ").strip()
    keywords = [k.replace('"', " ").strip() for k in role_keywords if k.strip()][:limit]
    query = f'site:linkedin.com/in "{brand}"'
    if keywords:
        query += " (" + " OR ".join(f'"{keyword}"' for keyword in keywords) + ")"
    return query
