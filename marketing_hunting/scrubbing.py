"""Personal data out of error reports: the before_send / before_send_transaction hook.

Sentry already leaves out cookies, user IPs and auth headers when ``send_default_pii`` is off,
but contact emails, phones and names, article text and form bodies reach an event in other
ways: in an exception's message, in a frame's local variables, in a log line, in a breadcrumb,
in a task's arguments. This scrubber runs on every event last, just before it is sent, and
keeps only what helps fix the fault without identifying anyone:

- exception types, stack frames (file, function, line, source) and log message templates;
- local variables, ``extra`` and unknown contexts only where they are numbers, booleans or
  None (ids, counts, flags); every text and object value becomes ``[Filtered]``;
- free text (exception messages, log and breadcrumb messages) with emails, phone numbers,
  quoted values and capitalised words (names) replaced;
- the request's method and path, and a short list of technical headers: never its body,
  query string, cookies or user.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

FILTERED = "[Filtered]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Eight or more digits with the separators phone numbers are written with (+49 30 1234-5678).
_PHONE = re.compile(r"\+?\(?\d[\d \t().\-/]{6,}\d")
# Values code puts in quotes: Python reprs ('Jane Roe'), SQL literals, the UI's “curly” quotes.
# Double quotes are left alone: PostgreSQL quotes table and column names with them.
_QUOTED = re.compile(r"(?<!\w)'[^'\n]*'(?!\w)|“[^”\n]*”|‘[^’\n]*’|«[^»\n]*»")  # noqa: RUF001
# "Key (email)=(jane@example.com)": PostgreSQL's DETAIL lines show the row's values.
_PG_KEY_VALUES = re.compile(r"\)=\([^)\n]*\)")
# Capitalised words (Jane, Zoë, O'Brien): names. ALL-CAPS words (SQL, HTTP) and lower-case
# words stay, so messages remain readable.
_CAPITALISED = re.compile(r"\b[^\W\d_][^\W_]*(?:['’][^\W\d_]+)?\b")  # noqa: RUF001

# Contexts the SDK itself fills with facts about the process, never about a person.
_SDK_CONTEXTS = frozenset({"runtime", "os", "device", "app", "trace", "response", "cloud_resource"})
# Request headers worth keeping; every other header (cookies, auth, forwarded-for) is dropped.
SAFE_HEADERS = frozenset({"host", "user-agent", "accept", "content-type", "content-length"})
_SAFE_BREADCRUMB_DATA = frozenset({"method", "status_code", "reason", "http.method", "db.system"})


def scrub_text(text: str) -> str:
    """Emails, phone numbers and quoted values out of technical text (SQL, span names, tags)."""
    text = _EMAIL.sub(FILTERED, text)
    text = _PG_KEY_VALUES.sub(")=(" + FILTERED + ")", text)
    text = _QUOTED.sub(FILTERED, text)
    return _PHONE.sub(_phone, text)


def _phone(match: re.Match[str]) -> str:
    digits = sum(char.isdigit() for char in match.group(0))
    return FILTERED if digits >= 8 else match.group(0)


def scrub_prose(text: str) -> str:
    """:func:`scrub_text`, and capitalised words too: messages that may carry a name."""

    def name(match: re.Match[str]) -> str:
        word = match.group(0)
        if word != "Filtered" and word[0].isupper() and any(char.islower() for char in word):
            return FILTERED
        return word

    return _CAPITALISED.sub(name, scrub_text(text))


def keep_safe(value: Any) -> Any:
    """Numbers, booleans and None as they are; containers walked; anything else filtered."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {key: keep_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [keep_safe(item) for item in value]
    return FILTERED


# The SDK sends local variables as reprs: a number or flag shows bare (42, True), a string in
# quotes ('42'), an object as <BrandContact: …>. Only the bare literals are kept.
_BARE_LITERAL = re.compile(r"-?\d+(?:\.\d+)?|True|False|None")


def _keep_safe_repr(value: Any) -> Any:
    if isinstance(value, str) and _BARE_LITERAL.fullmatch(value):
        return value
    if isinstance(value, dict):
        return {key: _keep_safe_repr(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_keep_safe_repr(item) for item in value]
    return keep_safe(value)


# Paths whose last part is a credential: share links and unsubscribe links open without a
# login, so their token must not reach an error tracker.
TOKEN_PATH = re.compile(r"^(/s/|/digests/unsubscribe/)[^/]+")


def _strip_query(url: Any) -> Any:
    if not isinstance(url, str):
        return FILTERED
    parts = urlsplit(url)
    path = TOKEN_PATH.sub(rf"\g<1>{FILTERED}", parts.path)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _walk_strings(value: Any, scrub: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {key: _walk_strings(item, scrub) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_walk_strings(item, scrub) for item in value]
    return value


def _scrub_frames(container: dict[str, Any]) -> None:
    for frame in (container.get("stacktrace") or {}).get("frames") or []:
        if "vars" in frame:
            frame["vars"] = _keep_safe_repr(frame["vars"])


def _scrub_request(request: dict[str, Any]) -> dict[str, Any]:
    headers = request.get("headers") or {}
    return {
        "method": request.get("method"),
        "url": _strip_query(request.get("url", "")),
        "headers": {k: v for k, v in headers.items() if k.lower() in SAFE_HEADERS},
    }


def _scrub_extra(extra: dict[str, Any]) -> dict[str, Any]:
    scrubbed = keep_safe(extra)
    job = extra.get("celery-job")
    if isinstance(job, dict) and isinstance(job.get("task_name"), str):
        # The task's dotted name is code, not data; its args and kwargs stay filtered.
        scrubbed["celery-job"]["task_name"] = job["task_name"]
    return scrubbed


def _scrub_contexts(contexts: dict[str, Any]) -> dict[str, Any]:
    return {
        name: _walk_strings(value, scrub_text) if name in _SDK_CONTEXTS else keep_safe(value)
        for name, value in contexts.items()
    }


def _scrub_breadcrumb(crumb: dict[str, Any]) -> dict[str, Any]:
    # A log template (marked by scrub_breadcrumb) is code; any other message may hold names.
    template = crumb.pop("_template", False)
    if isinstance(crumb.get("message"), str):
        crumb["message"] = (scrub_text if template else scrub_prose)(crumb["message"])
    data = crumb.get("data")
    if isinstance(data, dict):
        crumb["data"] = {
            key: (
                _strip_query(value)
                if key == "url"
                else value
                if key in _SAFE_BREADCRUMB_DATA and isinstance(value, str | int)
                else keep_safe(value)
            )
            for key, value in data.items()
        }
    return crumb


def _scrub_span_data(data: dict[str, Any]) -> dict[str, Any]:
    # Outbound HTTP spans (search API, feeds) carry the URL and its query: the query may name
    # whom a search was about, so it goes; the rest loses emails, phones and quoted values.
    scrubbed = _walk_strings(data, scrub_text)
    for key in ("http.query", "http.fragment"):
        if key in scrubbed:
            scrubbed[key] = FILTERED
    if "url" in scrubbed:
        scrubbed["url"] = _strip_query(data["url"])
    return scrubbed


def _scrub_logentry(entry: dict[str, Any]) -> dict[str, Any]:
    # The template is code; its arguments are data. Keep the template only, so "could not
    # reach %s" stays readable and whatever filled %s is never sent. A message logged without
    # arguments (an f-string) may hold anything, so it is scrubbed as prose.
    message = str(entry.get("message") or "")
    template = scrub_text(message) if entry.get("params") else scrub_prose(message)
    return {"message": template, "formatted": template}


def scrub_breadcrumb(crumb: dict[str, Any], hint: dict[str, Any] | None = None) -> dict[str, Any]:
    """The before_breadcrumb hook: a log line becomes its template, never its arguments."""
    record = (hint or {}).get("log_record")
    if record is not None and record.args:
        crumb["message"] = str(record.msg)
        crumb["_template"] = True
    return crumb


def scrub_event(event: dict[str, Any], _hint: Any = None) -> dict[str, Any]:
    """The before_send / before_send_transaction hook: the event with personal data removed."""
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception.get("value"), str):
            exception["value"] = scrub_prose(exception["value"])
        _scrub_frames(exception)
    for thread in (event.get("threads") or {}).get("values") or []:
        _scrub_frames(thread)
    if isinstance(event.get("logentry"), dict):
        event["logentry"] = _scrub_logentry(event["logentry"])
    if isinstance(event.get("message"), str):
        event["message"] = scrub_prose(event["message"])
    if isinstance(event.get("request"), dict):
        event["request"] = _scrub_request(event["request"])
    event.pop("user", None)
    if isinstance(event.get("extra"), dict):
        event["extra"] = _scrub_extra(event["extra"])
    if isinstance(event.get("contexts"), dict):
        event["contexts"] = _scrub_contexts(event["contexts"])
    if isinstance(event.get("tags"), dict):
        event["tags"] = _walk_strings(event["tags"], scrub_text)
    breadcrumbs = event.get("breadcrumbs")
    crumbs = breadcrumbs.get("values") if isinstance(breadcrumbs, dict) else breadcrumbs
    for index, crumb in enumerate(crumbs or []):
        crumbs[index] = _scrub_breadcrumb(crumb)
    for span in event.get("spans") or []:
        if isinstance(span.get("description"), str):
            span["description"] = scrub_text(span["description"])
        if isinstance(span.get("data"), dict):
            span["data"] = _scrub_span_data(span["data"])
        if isinstance(span.get("tags"), dict):
            span["tags"] = _walk_strings(span["tags"], scrub_text)
    return event
