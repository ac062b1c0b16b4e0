import secrets
import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone

from accounts.tenancy import TenantModel
from marketing_hunting.single_line import validate_single_line

INVITATION_LIFETIME = timedelta(days=7)


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"{value!r} is not a known time zone.") from None


def language_choices() -> list[tuple[str, str]]:
    """The languages an organization may choose (settings.LANGUAGES)."""
    return list(settings.LANGUAGES)


class AnalysisMode(models.TextChoices):
    """How articles that need the LLM are analysed."""

    STANDARD = "standard", "Standard (answers at once)"
    # The provider's batch interface: half the price, answers within 24 h; the rules' result
    # shows meanwhile.
    ECONOMY = "economy", "Economy (batch, within 24 h, half price)"


class Plan(models.Model):
    """A preset of every quota (accounts/quotas.py): an empty limit means no limit.

    Operators assign plans in the admin; an organization without a plan is unlimited, so an
    installation that never uses plans works as before. Monthly limits count calendar months
    in UTC, like the daily usage rows.
    """

    name = models.CharField(max_length=100, unique=True, validators=[validate_single_line])
    max_feeds = models.PositiveIntegerField(null=True, blank=True)
    max_jobs = models.PositiveIntegerField(null=True, blank=True)
    max_members = models.PositiveIntegerField(null=True, blank=True)
    max_contacts = models.PositiveIntegerField(null=True, blank=True)
    max_analysed_articles = models.PositiveIntegerField(
        "articles analysed by the LLM a month",
        null=True,
        blank=True,
        help_text="Over it, new articles are analysed by rules at once and by the LLM when "
        "the month turns.",
    )
    max_llm_tokens = models.PositiveBigIntegerField(
        "LLM tokens a month",
        null=True,
        blank=True,
        help_text="Tokens in + out. Over it, articles are analysed by rules and queued for "
        "the LLM until the month turns.",
    )
    max_discovery_searches = models.PositiveIntegerField(
        "contact discovery searches a month",
        null=True,
        blank=True,
        help_text="Over it, a new search is refused until the month turns.",
    )
    max_api_calls_per_minute = models.PositiveIntegerField(
        "API calls a minute",
        null=True,
        blank=True,
        # A rate of 0 would be no API at all: revoke the keys for that.
        validators=[MinValueValidator(1)],
        help_text="The organization's REST API budget (all its keys together; each key at "
        "most this too), then 429 with Retry-After. Empty: the installation's "
        "API_ORG_REQUESTS_PER_MINUTE.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organization(models.Model):
    """A tenant: every tenant-owned row points to one."""

    name = models.CharField(max_length=200, validators=[validate_single_line])
    slug = models.SlugField(max_length=60, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    # The organization's override of its plan's LLM tokens a month (the field predates plans,
    # hence its name; accounts.quotas reads it as the "llm_tokens" override).
    llm_monthly_token_quota = models.PositiveBigIntegerField(
        "LLM tokens a month",
        null=True,
        blank=True,
        help_text="LLM tokens (in + out) allowed per calendar month (UTC); overrides the "
        "plan's; empty uses the plan's (no plan: no limit).",
    )
    llm_prefilter = models.BooleanField(
        default=False,
        help_text="Skip the LLM for articles in which the rules find no brand candidate.",
    )
    discovery_confirmed_only = models.BooleanField(
        "Discover only brands the knowledge base confirms",
        default=False,
        # A database default too: rows written by code that predates the column (a rolling
        # deploy, a migration test's historical model) still insert.
        db_default=False,
        help_text=(
            "Without an LLM, report a brand nobody tracks only when the brand knowledge base "
            "knows it: fewer discoveries, far fewer wrong ones. Tracked brands and the LLM's "
            "findings are not affected."
        ),
    )
    analysis_mode = models.CharField(
        "LLM analysis mode",
        max_length=10,
        choices=AnalysisMode.choices,
        default=AnalysisMode.STANDARD,
        db_default=AnalysisMode.STANDARD,
        help_text=(
            "Economy sends articles through the provider's batch interface: half the price, "
            "answers within 24 hours. Articles are analysed by the rules at once meanwhile."
        ),
    )
    plan = models.ForeignKey(
        Plan,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
        help_text="Presets of every quota (feeds, jobs, members, contacts, articles, LLM "
        "tokens, discovery searches, API calls); empty means no limits.",
    )
    # Per-organization overrides of the plan's limits (a deal, a trial): empty uses the plan's.
    max_feeds = models.PositiveIntegerField(
        null=True, blank=True, help_text="Overrides the plan's limit; empty uses the plan's."
    )
    max_jobs = models.PositiveIntegerField(
        null=True, blank=True, help_text="Overrides the plan's limit; empty uses the plan's."
    )
    max_members = models.PositiveIntegerField(
        null=True, blank=True, help_text="Overrides the plan's limit; empty uses the plan's."
    )
    max_contacts = models.PositiveIntegerField(
        null=True, blank=True, help_text="Overrides the plan's limit; empty uses the plan's."
    )
    max_analysed_articles = models.PositiveIntegerField(
        "articles analysed by the LLM a month",
        null=True,
        blank=True,
        help_text="Overrides the plan's limit; empty uses the plan's.",
    )
    max_discovery_searches = models.PositiveIntegerField(
        "contact discovery searches a month",
        null=True,
        blank=True,
        help_text="Overrides the plan's limit; empty uses the plan's.",
    )
    max_api_calls_per_minute = models.PositiveIntegerField(
        "API calls a minute",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Overrides the plan's limit; empty uses the plan's.",
    )
    language = models.CharField(
        max_length=10,
        default="en",
        db_default="en",
        # A callable: the migration names it instead of copying the installation's list.
        choices=language_choices,
        help_text=(
            "The language of the pages' built-in wording, dates and form messages, and of "
            "email drafts the LLM writes."
        ),
    )
    # Retention (accounts.retention): empty keeps as long as the installation does.
    report_retention_days = models.PositiveIntegerField(
        "Keep articles and reports for (days)",
        null=True,
        blank=True,
        help_text=(
            "Older articles are deleted with their reports and mentions, except those an "
            "email draft or a review points to. Empty: as long as the installation keeps them."
        ),
    )
    log_retention_days = models.PositiveIntegerField(
        "Keep log lines for (days)",
        null=True,
        blank=True,
        help_text="Empty: as long as the installation keeps them.",
    )
    # When an owner's deletion request erases the organization (None: not being deleted). Kept
    # on this row, which every request loads anyway, so the banner costs no query.
    deletion_scheduled_for = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when a member hid the dashboard's getting-started checklist for everyone: a team
    # that never invites anyone must not see it forever.
    getting_started_hidden_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


class Membership(TenantModel):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organization"], name="unique_membership"),
        ]
        ordering = ["organization__name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.get_role_display()})"

    @property
    def can_manage_members(self) -> bool:
        return self.role in (Role.OWNER, Role.ADMIN)

    def grantable_roles(self) -> list[str]:
        """Roles this member may give to others: only owners make owners."""
        if self.role == Role.OWNER:
            return [Role.OWNER, Role.ADMIN, Role.MEMBER]
        if self.role == Role.ADMIN:
            return [Role.ADMIN, Role.MEMBER]
        return []


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def _default_expiry() -> datetime:
    return timezone.now() + INVITATION_LIFETIME


class Invitation(TenantModel):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    token = models.CharField(max_length=64, unique=True, default=_new_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=_default_expiry)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # At most one open invitation per address and organization.
            models.UniqueConstraint(
                fields=["organization", "email"],
                condition=models.Q(accepted_at__isnull=True),
                name="unique_pending_invitation",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.organization}"

    def get_absolute_url(self) -> str:
        return reverse("accounts:invitation_accept", args=[self.token])

    def is_expired(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and not self.is_expired()


class UsageDaily(TenantModel):
    """LLM usage of one organization on one day (UTC), for cost reports and quotas."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="usage_days"
    )
    date = models.DateField()
    llm_calls = models.PositiveIntegerField(default=0)
    cache_hits = models.PositiveIntegerField(default=0)
    tokens_in = models.PositiveBigIntegerField(default=0)
    tokens_out = models.PositiveBigIntegerField(default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=6, default=0)
    # Economy (batch) analysis: its answers, and what standard mode would have cost more.
    batch_calls = models.PositiveIntegerField(default=0, db_default=0)
    batch_saved = models.DecimalField(max_digits=14, decimal_places=6, default=0, db_default=0)

    class Meta:
        ordering = ["-date"]
        verbose_name_plural = "daily usage"
        constraints = [
            models.UniqueConstraint(fields=["organization", "date"], name="unique_usage_day"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} on {self.date}"


class QuotaWarning(TenantModel):
    """A warning mailed to the owners when a quota's use crossed 80 % or 100 % of its limit.

    The unique constraint is what makes it once: whoever inserts the row sends the mail, and a
    second check (another worker, the sweep re-run) fails to insert and sends nothing.
    ``period`` is the UTC month (``2026-12``) for monthly quotas, the UTC day for API calls a
    minute, and empty for count quotas (feeds...), whose rows are deleted when the use drops
    back below the threshold, so the next crossing warns again.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="quota_warnings"
    )
    resource = models.CharField(max_length=30)
    period = models.CharField(max_length=10, blank=True)
    threshold = models.PositiveSmallIntegerField()  # percent: 80 or 100
    used = models.PositiveBigIntegerField()
    limit = models.PositiveBigIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "resource", "period", "threshold"],
                name="unique_quota_warning",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization}: {self.resource} at {self.threshold} % ({self.period})"


class ApiScope(models.TextChoices):
    """What an API key may do, per area: ``write`` includes ``read``."""

    REPORTS_READ = "reports:read", "Reports and mentions: read"
    REPORTS_WRITE = "reports:write", "Reports and mentions: write"
    BRANDS_READ = "brands:read", "Brands: read"
    BRANDS_WRITE = "brands:write", "Brands: write"
    FEEDS_READ = "feeds:read", "Feeds: read"
    FEEDS_WRITE = "feeds:write", "Feeds: write"
    CONTACTS_READ = "contacts:read", "Contacts: read (and GDPR export)"
    CONTACTS_WRITE = "contacts:write", "Contacts: write (and GDPR erase)"
    JOBS_READ = "jobs:read", "Jobs and their runs: read"
    JOBS_WRITE = "jobs:write", "Jobs and their runs: run, pause, resume, cancel"
    USAGE_READ = "usage:read", "LLM usage: read"


class ApiKey(TenantModel):
    """A key for the REST API. The secret is shown once, when created; only its SHA-256 is
    kept (a 256-bit random secret needs no slow hash: nothing can be guessed from it).
    ``prefix`` is the public part of the key, shown in lists to tell keys apart, and the
    index a request's key is looked up by."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=100, validators=[validate_single_line])
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    hashed_secret = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_expired(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired()

    def allows(self, area: str, level: str) -> bool:
        """Whether the key may ``level`` (read or write) ``area``; write includes read."""
        if level == "read":
            return f"{area}:read" in self.scopes or f"{area}:write" in self.scopes
        return f"{area}:{level}" in self.scopes

    def get_scopes_display(self) -> list[str]:
        labels = dict(ApiScope.choices)
        return [labels.get(scope, scope) for scope in self.scopes]


class LLMSource(models.TextChoices):
    INSTALLATION = "installation", "The installation's LLM connection"
    OWN = "own", "This organization's own LLM connection"


class OrganizationLLM(models.Model):
    """An organization's own LLM connection, kept apart from the Organization row (loaded on
    every request) so the encrypted key is read only where it is used.

    The API key is stored only as a Fernet token (``marketing_hunting.field_encryption``, key
    from the environment); pages show its last four characters and when it was set, never
    the key itself.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="llm_connection"
    )
    source = models.CharField(
        "LLM connection", max_length=12, choices=LLMSource.choices, default=LLMSource.INSTALLATION
    )
    base_url = models.URLField(
        "Base URL",
        max_length=500,
        blank=True,
        help_text="An OpenAI-compatible API, e.g. https://api.openai.com/v1 (empty: OpenAI's).",
    )
    model = models.CharField(
        max_length=100, blank=True, validators=[validate_single_line], help_text="e.g. gpt-4o-mini"
    )
    api_key_encrypted = models.TextField(blank=True, editable=False)
    api_key_last4 = models.CharField(max_length=4, blank=True, editable=False)
    api_key_set_at = models.DateTimeField(null=True, blank=True, editable=False)
    api_key_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The last "Test connection": when, whether it worked, and what the provider said.
    tested_at = models.DateTimeField(null=True, blank=True)
    test_ok = models.BooleanField(null=True, blank=True)
    test_message = models.CharField(max_length=500, blank=True)
    # Set when analysis with this connection failed (the dashboard's banner); cleared by the
    # next answer or a successful test.
    failing_since = models.DateTimeField(null=True, blank=True)
    failure_message = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "organization LLM connection"

    def __str__(self) -> str:
        return f"LLM connection of {self.organization}"

    @property
    def uses_own(self) -> bool:
        return self.source == LLMSource.OWN

    @property
    def has_key(self) -> bool:
        return bool(self.api_key_encrypted)


class OrganizationLogo(models.Model):
    """The organization's logo for PDFs and digests: the upload re-encoded as a PNG of bounded
    size (what is stored and served was drawn by Pillow, never the uploaded bytes)."""

    organization = models.OneToOneField(Organization, on_delete=models.CASCADE, related_name="logo")
    png = models.BinaryField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(auto_now=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Logo of {self.organization}"


# The audit log and organization deletion live in their own module (this one is long enough).
from accounts.models_portal import (  # noqa: E402, F401
    AuditAction,
    AuditEvent,
    DeletionExportStatus,
    DeletionStatus,
    OrganizationDeletion,
)
