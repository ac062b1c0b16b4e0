"""Brand contacts, the suggestions discovery providers find, email drafts, and the per-
organization settings that govern both (discovery consent, role keywords, sender profile)."""

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from accounts.tenancy import TenantModel, TenantQuerySet
from contacts.validators import validate_linkedin_url, validate_phone


class ContactSource(models.TextChoices):
    MANUAL = "manual", "Added by hand"
    WEB_SEARCH = "web_search", "Web search"
    BRAND_WEBSITE = "brand_website", "Brand website"
    IMPORT = "import", "File import"


DISCOVERY_SOURCES = (ContactSource.WEB_SEARCH, ContactSource.BRAND_WEBSITE)
# Room for a long note about a person, not for a document pasted in (or imported) by mistake.
NOTES_MAX_LENGTH = 5000


class BrandContactQuerySet(TenantQuerySet):
    def contacts(self) -> "BrandContactQuerySet":
        """People staff work with (imported or added), not discovery suggestions."""
        return self.filter(suggested=False)

    def suggestions(self) -> "BrandContactQuerySet":
        return self.filter(suggested=True)


class BrandContact(TenantModel):
    """A person to reach at a brand. ``suggested`` rows were found by a discovery provider and
    are not yet imported by a user: unverified, listed apart, and erased at ``expires_at``."""

    brand = models.ForeignKey("reports.Brand", on_delete=models.CASCADE, related_name="contacts")
    full_name = models.CharField(max_length=200)
    title = models.CharField(max_length=200, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    # The shapes every save path checks (form, import, admin, services through full_clean).
    phone = models.CharField(max_length=40, blank=True, validators=[validate_phone])
    linkedin_url = models.URLField(
        "LinkedIn URL", max_length=500, blank=True, validators=[validate_linkedin_url]
    )
    company = models.CharField(max_length=200, blank=True)
    # A TextField's max_length only reaches forms: the validator makes full_clean (import,
    # admin, services) enforce it too.
    notes = models.TextField(
        blank=True, max_length=NOTES_MAX_LENGTH, validators=[MaxLengthValidator(NOTES_MAX_LENGTH)]
    )
    source = models.CharField(
        max_length=20, choices=ContactSource.choices, default=ContactSource.MANUAL
    )
    source_url = models.URLField("source URL", max_length=1000, blank=True)
    # What the provider returned (a search result's title and snippet, a page's line), so a
    # user can judge a suggestion and a data subject can be told where we found them.
    source_excerpt = models.TextField(blank=True)
    suggested = models.BooleanField(default=False)
    verified = models.BooleanField(default=False)
    do_not_contact = models.BooleanField("do not contact", default=False)
    lawful_basis = models.CharField(
        "lawful basis",
        max_length=300,
        blank=True,
        help_text="Why we may hold and use this person's data (e.g. legitimate interest: "
        "press contact published on the brand's site).",
    )
    last_contacted_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="Unverified suggestions are erased at this time."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BrandContactQuerySet.as_manager()

    class Meta:
        ordering = ["full_name", "id"]
        constraints = [
            models.UniqueConstraint(
                "organization",
                Lower("email"),
                condition=~models.Q(email=""),
                name="unique_contact_email_per_org",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "brand", "suggested"]),
            models.Index(fields=["expires_at"]),
            # The hourly refresh of stale suggestions reads only suggestions, oldest first.
            models.Index(
                fields=["updated_at"],
                condition=models.Q(suggested=True),
                name="contact_suggestion_age_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.company or self.brand_id})"

    def get_absolute_url(self) -> str:
        return reverse("contacts:detail", args=[self.pk])


class DraftTemplate(models.TextChoices):
    PITCH = "pitch", "Pitch"
    FOLLOW_UP = "follow_up", "Follow-up"
    INTRODUCTION = "introduction", "Introduction"
    THANK_YOU = "thank_you", "Thank-you"


class DraftTone(models.TextChoices):
    PROFESSIONAL = "professional", "Professional"
    CASUAL = "casual", "Casual"
    FRIENDLY = "friendly", "Friendly"
    FORMAL = "formal", "Formal"


class EmailDraft(TenantModel):
    contact = models.ForeignKey(BrandContact, on_delete=models.CASCADE, related_name="drafts")
    report = models.ForeignKey(
        "reports.Report", null=True, blank=True, on_delete=models.SET_NULL, related_name="drafts"
    )
    subject = models.CharField(max_length=300)
    body = models.TextField()
    template = models.CharField(max_length=20, choices=DraftTemplate.choices)
    tone = models.CharField(max_length=20, choices=DraftTone.choices)
    # Empty when the template wrote it (no LLM configured, or the LLM was unavailable).
    model = models.CharField(max_length=100, blank=True)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    generated_at = models.DateTimeField()
    sent = models.BooleanField(default=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        return reverse("contacts:draft_edit", args=[self.pk])


class EmailTemplate(TenantModel):
    """An organization's own wording of one draft template (the built-in text otherwise)."""

    kind = models.CharField(max_length=20, choices=DraftTemplate.choices)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    # Extra guidance given to the LLM for this template (what the email must achieve).
    instructions = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind"], name="unique_template_kind"),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


DEFAULT_ROLE_KEYWORDS = ["PR", "press", "communications", "marketing", "brand", "media"]


def default_role_keywords() -> list[str]:
    return list(DEFAULT_ROLE_KEYWORDS)


class ContactSettings(models.Model):
    """One organization's contact discovery and outreach settings."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="contact_settings"
    )
    discovery_enabled = models.BooleanField(default=False)
    # Consent to the discovery notice: who accepted it and when (kept when switched off).
    discovery_consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    discovery_consent_at = models.DateTimeField(null=True, blank=True)
    role_keywords = models.JSONField(default=default_role_keywords, blank=True)
    suggestion_retention_days = models.PositiveIntegerField(default=30)
    sender_name = models.CharField(max_length=200, blank=True)
    sender_title = models.CharField(max_length=200, blank=True)
    sender_company = models.CharField(max_length=200, blank=True)
    sender_email = models.EmailField(blank=True)
    sender_signature = models.TextField(blank=True)
    # The tone a new draft starts in (each draft can still change it).
    default_tone = models.CharField(
        max_length=12,
        choices=DraftTone.choices,
        default=DraftTone.PROFESSIONAL,
        db_default=DraftTone.PROFESSIONAL,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "contact settings"

    def __str__(self) -> str:
        return f"Contact settings of {self.organization}"


class DiscoveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    PARTIAL = "partial", "Partly done"
    FAILED = "failed", "Failed"


class DiscoveryRun(TenantModel):
    """One search for a brand's contacts across the enabled providers."""

    brand = models.ForeignKey(
        "reports.Brand", on_delete=models.CASCADE, related_name="discovery_runs"
    )
    status = models.CharField(
        max_length=10, choices=DiscoveryStatus.choices, default=DiscoveryStatus.QUEUED
    )
    found = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    # One line per provider: what it did, or why it could not (quota, rate limit, robots.txt).
    messages = models.JSONField(default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The hourly sweep of lost runs (discovery_runs_fail_stuck) reads the few queued or
            # running ones, not every run ever made.
            models.Index(fields=["status", "created_at"], name="discovery_run_status_idx"),
            # ... and the hourly refresh skips brands searched recently: the recent runs only.
            models.Index(fields=["created_at"], name="discovery_run_created_idx"),
            # The plan's searches a month (accounts.quotas): one organization's runs this month.
            models.Index(fields=["organization", "created_at"], name="discovery_run_org_month_idx"),
        ]

    def __str__(self) -> str:
        return f"Discovery for brand {self.brand_id} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (
            DiscoveryStatus.SUCCEEDED,
            DiscoveryStatus.PARTIAL,
            DiscoveryStatus.FAILED,
        )


class ErasureRecord(TenantModel):
    """The audit entry a data-subject erasure leaves: what was done, by whom, never who.

    ``subject_keys`` are keyed hashes (HMAC with SECRET_KEY) of the erased email and of the
    name at the brand, so discovery never suggests the same person again, while the record
    itself holds no personal data."""

    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    erased_at = models.DateTimeField(auto_now_add=True)
    contact_ref = models.PositiveBigIntegerField(help_text="The erased contact's former id.")
    drafts_erased = models.PositiveIntegerField(default=0)
    reason = models.CharField(max_length=300, blank=True)
    subject_keys = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-erased_at", "-id"]

    def __str__(self) -> str:
        return f"Erasure of contact #{self.contact_ref}"
