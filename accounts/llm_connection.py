"""An organization's own LLM connection: saving it (the key encrypted at rest), testing it,
choosing it for analysis, and remembering when it fails (the dashboard's banner).

The API key is encrypted with ``marketing_hunting.field_encryption`` before it reaches the
database and decrypted only to build the client. No page, message or log line carries it:
pages show ``•••• abcd`` and when it was set, and every provider message is scrubbed of it
before it is stored or shown (a server could echo the key back).
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

import openai
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.audit import audit_record, changes_between
from accounts.models import AuditAction, LLMSource, Membership, Organization, OrganizationLLM
from marketing_hunting import field_encryption
from marketing_hunting.field_encryption import EncryptionUnavailable
from marketing_hunting.single_line import one_line
from outbound.addresses import check_url
from outbound.errors import FetchError
from outbound.llm_transport import BlockedLLMAddress
from reports.extractors.llm import (
    LLMConnection,
    installation_connection,
    llm_configured,
    make_client,
)

# The longest key accepted: real ones are ~50-200 characters; anything far longer is a paste
# of something else.
MAX_KEY_LENGTH = 500
# A "Test connection" waits at most this long (a page must not hang on a dead server).
TEST_TIMEOUT_SECONDS = 20.0
MASK = "••••"
# Tests per organization per minute: each one makes our server send a request to an address
# the organization chose, so a script must not turn the button into a request cannon.
TESTS_PER_MINUTE = 5


class LLMConnectionBroken(Exception):
    """The organization chose its own connection but it cannot be used (no key stored, or
    no FIELD_ENCRYPTION_KEY opens it). Analysis falls back to the rules with this message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _settings_row(organization: Organization) -> OrganizationLLM | None:
    return OrganizationLLM.objects.filter(organization=organization).first()


def llm_settings_for(organization: Organization) -> OrganizationLLM:
    """The organization's row, unsaved with the defaults when it never changed them."""
    return _settings_row(organization) or OrganizationLLM(organization=organization)


def connection_for(organization: Organization, model: str | None = None) -> LLMConnection | None:
    """The connection analysis uses for ``organization``: its own when it chose one, else the
    installation's (None when the installation has no LLM either). Raises
    :class:`LLMConnectionBroken` when its own connection cannot be used."""
    row = _settings_row(organization)
    if row is None or not row.uses_own:
        return installation_connection(model) if llm_configured() else None
    if not row.has_key and not row.base_url:
        raise LLMConnectionBroken(
            "The organization's own LLM connection has no API key; an owner or admin enters "
            "one in Organization settings."
        )
    api_key = None
    if row.has_key:
        try:
            api_key = field_encryption.decrypt(row.api_key_encrypted)
        except EncryptionUnavailable as error:
            raise LLMConnectionBroken(error.message) from None
    return LLMConnection(
        api_key=api_key,
        base_url=row.base_url or None,
        model=row.model or settings.OPENAI_MODEL,
        organization_id=organization.pk,
        failing=row.failing_since is not None,
    )


def own_connection_organizations() -> QuerySet[OrganizationLLM, int]:
    """The ids of the organizations that chose their own connection."""
    return OrganizationLLM.objects.filter(source=LLMSource.OWN).values_list(
        "organization_id", flat=True
    )


def llm_available(organization: Organization) -> bool:
    """Whether analysis of ``organization`` may ask an LLM (the installation's, or its own
    connection, which may still fail: the banner says so)."""
    return (
        llm_configured()
        or own_connection_organizations().filter(organization_id=organization.pk).exists()
    )


def _require_manager(actor: Membership, organization: Organization) -> None:
    if actor.organization_id != organization.pk or not actor.can_manage_members:
        raise PermissionDenied("Only owners and admins can change the LLM connection.")


def validate_base_url(url: str) -> None:
    """A base URL an organization may set: http(s), and (unless the installation allows
    private addresses) one that resolves to public addresses only: it is the server's own
    network an attacker would otherwise reach."""
    try:
        check_url(url)
    except FetchError as error:
        raise ValidationError({"base_url": f"This address cannot be used: {error}."}) from None


@transaction.atomic
def llm_connection_update(
    *,
    organization: Organization,
    actor: Membership,
    source: str,
    base_url: str = "",
    model: str = "",
    api_key: str | None = None,
    remove_key: bool = False,
) -> OrganizationLLM:
    """Save the organization's choice. ``api_key`` None or "" keeps the stored key (the form
    never shows it, so an empty field means "unchanged"); ``remove_key`` deletes it."""
    _require_manager(actor, organization)
    if source not in LLMSource.values:
        raise ValidationError({"source": "Choose one of the connections."})
    row = OrganizationLLM.objects.select_for_update().filter(organization=organization).first()
    row = row or OrganizationLLM(organization=organization)
    base_url, model = base_url.strip(), one_line(model).strip()
    api_key = (api_key or "").strip()
    errors: dict[str, str] = {}
    if api_key and (len(api_key) > MAX_KEY_LENGTH or any(c.isspace() for c in api_key)):
        errors["api_key"] = f"An API key is one word of at most {MAX_KEY_LENGTH} characters."
    if api_key and not field_encryption.available():
        errors["api_key"] = (
            "This installation cannot store keys: its operator has not set "
            "FIELD_ENCRYPTION_KEY (README, Configuration)."
        )
    if source == LLMSource.OWN:
        if not model:
            errors["model"] = "Name the model to use, e.g. gpt-4o-mini."
        keeps_key = (row.has_key and not remove_key) or bool(api_key)
        if not keeps_key and not base_url:
            errors["api_key"] = errors.get("api_key") or (
                "Enter the API key (a local server without keys needs a base URL instead)."
            )
    if errors:
        raise ValidationError(errors)
    if base_url:
        validate_base_url(base_url)
    changed = (row.source, row.base_url, row.model) != (source, base_url, model)
    before = {"connection": row.get_source_display(), "base URL": row.base_url, "model": row.model}
    row.source, row.base_url, row.model = source, base_url, model
    after = {"connection": row.get_source_display(), "base URL": row.base_url, "model": row.model}
    # The audit log says that the key changed, never the key (nor its last characters).
    key_change = None
    if remove_key and row.has_key and not api_key:
        key_change = {"field": "API key", "before": "stored", "after": "removed"}
    elif api_key:
        stored = "stored" if row.has_key else None
        key_change = {
            "field": "API key",
            "before": stored,
            "after": "replaced" if stored else "set",
        }
    if remove_key or api_key:
        changed = True
        row.api_key_encrypted = field_encryption.encrypt(api_key) if api_key else ""
        row.api_key_last4 = api_key[-4:] if len(api_key) >= 12 else ""
        row.api_key_set_at = timezone.now() if api_key else None
        row.api_key_set_by = actor.user if api_key else None
    if changed:
        # What was said about the old connection no longer holds.
        row.tested_at, row.test_ok, row.test_message = None, None, ""
        row.failing_since, row.failure_message = None, ""
    row.full_clean(exclude=["organization", "api_key_set_by"])
    row.save()
    changes = changes_between(before, after) + ([key_change] if key_change else [])
    if changes:
        audit_record(
            organization=organization,
            actor=actor,
            action=AuditAction.LLM_CHANGED,
            target="LLM connection",
            changes=changes,
        )
    return row


@dataclass(frozen=True)
class TestOutcome:
    ok: bool
    message: str


def scrub(text: str, secret: str | None) -> str:
    """``text`` without ``secret`` (a provider may quote the key it refused)."""
    text = one_line(text)
    if secret and len(secret) >= 4:
        text = text.replace(secret, MASK)
    return text[:500]


def _causes(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in chain and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _provider_detail(error: openai.APIStatusError) -> str:
    body = error.body if isinstance(error.body, dict) else {}
    detail = body.get("message") if isinstance(body.get("message"), str) else ""
    return f" The provider said: “{detail[:200]}”" if detail else ""


def describe_error(error: BaseException, connection: LLMConnection) -> str:
    """What went wrong with the connection, in words an owner can act on."""
    host = urlsplit(connection.base_url or "https://api.openai.com/v1").hostname or "the server"
    for cause in _causes(error):
        if isinstance(cause, openai.APIStatusError):
            status, code = cause.status_code, cause.code or ""
            detail = _provider_detail(cause)
            if code == "insufficient_quota":
                return "The account behind this key has no quota or credit left (429)." + detail
            if status == 401:
                return "The provider refused the API key (401 Unauthorized): check it." + detail
            if status == 403:
                return "The key may not use this model or API (403 Forbidden)." + detail
            if status == 404:
                if "model" in (code + str(cause.message)).lower():
                    return (
                        f"The provider does not know the model “{connection.model}” (404): "
                        "check the model name." + detail
                    )
                return (
                    f"Nothing at {host} answers like an OpenAI-compatible API (404): check the "
                    "base URL (it usually ends in /v1)." + detail
                )
            if status == 429:
                return "The provider is rate-limiting this key (429); try again in a minute."
            if status >= 500:
                return f"The provider had a problem ({status}); try again later." + detail
            return f"The provider refused the request ({status})." + detail
        if isinstance(cause, openai.APITimeoutError):
            return f"{host} did not answer within {TEST_TIMEOUT_SECONDS:g} seconds (timeout)."
        if isinstance(cause, BlockedLLMAddress):
            return f"This address may not be used: {cause}."
        if isinstance(cause, socket.gaierror):
            return f"The name {host} does not resolve (DNS): check the base URL."
        if isinstance(cause, ConnectionRefusedError):
            return f"{host} refused the connection: nothing listens at that port."
        if isinstance(cause, ssl.SSLError):
            return f"The secure connection to {host} failed (TLS): {cause.__class__.__name__}."
        if isinstance(cause, openai.APIResponseValidationError | ValueError):
            return f"{host} answered, but not like an OpenAI-compatible API."
    if any(isinstance(cause, openai.APIConnectionError) for cause in _causes(error)):
        return f"Could not connect to {host}."
    return f"The test failed ({error.__class__.__name__})."


def _send_test(connection: LLMConnection) -> None:
    # One tiny chat completion with the model analysis uses: it proves the address, the key
    # and the model at once. Not through the breaker or the retry policy: a test must say
    # what is wrong now, and must not open the breaker analysis depends on.
    client = make_client(connection).with_options(timeout=TEST_TIMEOUT_SECONDS, max_retries=0)
    client.chat.completions.create(
        model=connection.model,
        messages=[{"role": "user", "content": "Reply with the single word OK."}],
        temperature=0,
    )


def _test_allowed(organization: Organization) -> bool:
    key = f"llm-connection-tests:{organization.pk}"
    try:
        cache.add(key, 0, 60)
        return cache.incr(key) <= TESTS_PER_MINUTE
    except Exception:  # a cache outage costs the limit, not the test
        return True


def llm_connection_test(*, organization: Organization, actor: Membership) -> TestOutcome:
    """Call the provider once with the saved connection; remember and return the outcome."""
    _require_manager(actor, organization)
    if not _test_allowed(organization):
        # Not remembered: the last real test's outcome stays on the page.
        return TestOutcome(
            False, f"At most {TESTS_PER_MINUTE} tests a minute: try again in a minute."
        )
    try:
        connection = connection_for(organization)
    except LLMConnectionBroken as error:
        outcome = TestOutcome(False, error.message)
        connection = None
    else:
        if connection is None:
            outcome = TestOutcome(
                False, "No LLM is configured: neither the installation nor this organization."
            )
        else:
            try:
                _send_test(connection)
            except Exception as error:  # every failure is reported, in words
                message = describe_error(error, connection)
                outcome = TestOutcome(False, scrub(message, connection.api_key))
            else:
                where = "this organization's own" if connection.own else "the installation's"
                outcome = TestOutcome(
                    True, f"Connected: {where} connection answered with {connection.model}."
                )
    row = _settings_row(organization)
    if row is not None:
        row.tested_at, row.test_ok, row.test_message = timezone.now(), outcome.ok, outcome.message
        fields = ["tested_at", "test_ok", "test_message", "updated_at"]
        if outcome.ok and connection is not None and connection.own:
            row.failing_since, row.failure_message = None, ""
            fields += ["failing_since", "failure_message"]
        row.save(update_fields=fields)
    return outcome


def llm_connection_failed(
    *, organization_id: int | None, message: str, secret: str | None = None
) -> None:
    """Analysis with the organization's own connection failed: the dashboard says so (first
    failure's time kept, latest message shown; no write when nothing changed)."""
    message = scrub(message, secret)
    rows = OrganizationLLM.objects.filter(organization_id=organization_id)
    started = rows.filter(failing_since__isnull=True).update(
        failing_since=timezone.now(), failure_message=message
    )
    changed = started or rows.exclude(failure_message=message).update(failure_message=message)
    if changed:
        _dashboard_changed(organization_id)


def llm_connection_recovered(*, connection: LLMConnection) -> None:
    """An answer came back: the banner goes (one write, only when it was failing)."""
    if not (connection.own and connection.failing):
        return
    OrganizationLLM.objects.filter(
        organization_id=connection.organization_id, failing_since__isnull=False
    ).update(failing_since=None, failure_message="")
    _dashboard_changed(connection.organization_id)


def _dashboard_changed(organization_id: int | None) -> None:
    from accounts.briefing_cache import briefing_changed

    briefing_changed(organization_id)


def failure_of(error: BaseException, connection: LLMConnection) -> str:
    """The banner's words for an analysis failure (the provider's own words when there)."""
    return scrub(describe_error(error, connection), connection.api_key)


def key_summary(row: OrganizationLLM) -> str:
    """The most a page says about a stored key: "•••• set on 6 Dec 2026, ends in abcd"."""
    if not row.has_key:
        return ""
    when = f" set on {row.api_key_set_at:%-d %b %Y}" if row.api_key_set_at else ""
    user: AbstractBaseUser | None = row.api_key_set_by
    who = f" by {user.get_username()}" if user is not None else ""
    ends = f", ends in {row.api_key_last4}" if row.api_key_last4 else ""
    return f"{MASK}{when}{who}{ends}"
