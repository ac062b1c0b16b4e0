from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from accounts.tenancy import TenantModel
from outbound.validators import validate_public_url
from reports.economy.models import (  # noqa: F401
    BatchItemStatus,
    BatchStatus,
    LLMBatch,
    LLMBatchItem,
)
from reports.exports.models import Export, ExportFormat, ExportKind, ExportStatus  # noqa: F401

# The knowledge base's global tables live in their own module; imported here so that Django
# finds them as models of this app.
from reports.knowledge.models import (  # noqa: F401
    KnowledgeBaseVersion,
    KnowledgeBrand,
    KnowledgeKind,
    KnowledgeName,
    wikidata_url,
)

DEFAULT_INDUSTRIES = (
    "Automotive",
    "Banking & Finance",
    "Beauty & Personal Care",
    "Consumer Electronics",
    "Energy & Utilities",
    "Entertainment & Media",
    "Fashion & Apparel",
    "Food & Beverage",
    "Healthcare & Pharma",
    "Hospitality & Travel",
    "Industrial & Manufacturing",
    "Insurance",
    "Real Estate",
    "Retail & E-commerce",
    "Software & Internet",
    "Sports & Outdoors",
    "Telecommunications",
    "Transportation & Logistics",
    "Other",
)


class Industry(TenantModel):
    """One entry of the organization's industry taxonomy (seeded with DEFAULT_INDUSTRIES)."""

    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "industries"
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="unique_industry"),
        ]

    def __str__(self) -> str:
        return self.name


class BrandGroup(TenantModel):
    """A named list of brands ("clients", "competitors"): reports, filters and exports use it."""

    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="unique_brand_group"),
        ]

    def __str__(self) -> str:
        return self.name


class BrandStatus(models.TextChoices):
    UNREVIEWED = "unreviewed", "Unreviewed"
    TRACKED = "tracked", "Tracked"
    IGNORED = "ignored", "Ignored"


class Brand(TenantModel):
    name = models.CharField(max_length=200)
    # Normalised name (reports.normalize.normalize_brand): what entity resolution matches.
    key = models.CharField(max_length=200)
    industry = models.ForeignKey(
        Industry, null=True, blank=True, on_delete=models.SET_NULL, related_name="brands"
    )
    website = models.URLField(max_length=500, blank=True)
    # Entity linking: the brand's Wikidata item, from the knowledge base (brand_link_knowledge).
    wikidata_id = models.CharField(max_length=20, blank=True)
    status = models.CharField(
        max_length=12, choices=BrandStatus.choices, default=BrandStatus.UNREVIEWED
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_brands"
    )
    # Deleting a group leaves its brands alone (the link rows go, the brands stay).
    groups = models.ManyToManyField(BrandGroup, blank=True, related_name="brands")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # Only live brands need unique keys; a merged brand keeps its key for history.
            models.UniqueConstraint(
                fields=["organization", "key"],
                condition=models.Q(merged_into__isnull=True),
                name="unique_live_brand_key",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status"], name="brand_org_status_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("brands:detail", args=[self.pk])

    def clean(self) -> None:
        # The admin's form runs this: the same rule as the brand pages and the import.
        if self.website:
            validate_public_url(self.website, field="website")

    @property
    def wikidata_url(self) -> str:
        return wikidata_url(self.wikidata_id)


class AliasSource(models.TextChoices):
    MANUAL = "manual", "Manual"
    FEEDBACK = "feedback", "Feedback"
    AUTO = "auto", "Automatic"


class BrandAlias(TenantModel):
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=200)
    normalized = models.CharField(max_length=200)
    source = models.CharField(max_length=10, choices=AliasSource.choices, default=AliasSource.AUTO)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["alias"]
        verbose_name_plural = "brand aliases"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "normalized"], name="unique_alias_per_org"
            ),
        ]

    def __str__(self) -> str:
        return self.alias


class BrandSeparation(TenantModel):
    """Two brands a user kept apart: entity resolution never merges them again."""

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+")
    other = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "other"], name="unique_brand_separation"),
        ]

    def __str__(self) -> str:
        return f"{self.brand} ≠ {self.other}"


class BlockedTerm(TenantModel):
    """A surface form the organization rejected: never reported as a brand again."""

    term = models.CharField(max_length=200)
    normalized = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["term"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "normalized"], name="unique_blocked"),
        ]

    def __str__(self) -> str:
        return self.term


class KeywordRule(TenantModel):
    """Which articles are worth analysing: an article is analysed only when it passes every
    enabled organization-wide rule and every enabled rule of the job analysing it."""

    name = models.CharField(max_length=100)
    include = models.TextField(
        blank=True, max_length=2000, help_text="Blank: every article is included."
    )
    exclude = models.TextField(blank=True, max_length=2000)
    enabled = models.BooleanField(default=True)
    job = models.ForeignKey(
        "jobs.Job",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="keyword_rules",
        help_text="Empty: the rule applies to every article of the organization.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                name="unique_keyword_rule",
                violation_error_message="A rule with this name already exists; choose another.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Here, not only in the form: the admin and the services must refuse the same input.
        from django.core.exceptions import ValidationError

        from reports.keyword_rules import QueryError, parse

        errors = {}
        for field in ("include", "exclude"):
            expression = getattr(self, field)
            if expression.strip():
                try:
                    parse(expression)
                except QueryError as error:
                    errors[field] = str(error)
        if (
            self.job_id
            and self.organization_id
            and self.job.organization_id != self.organization_id
        ):
            errors["job"] = "Choose one of your organization's jobs."
        if errors:
            raise ValidationError(errors)


class ReportStatus(models.TextChoices):
    DONE = "done", "Analysed"
    FALLBACK = "fallback", "Analysed by rules (LLM unavailable)"
    FAILED = "failed", "Failed"
    EXCLUDED = "excluded", "Excluded by a keyword rule"


class ReportMode(models.TextChoices):
    """Which LLM mode produced a report's analysis (rules-only reports say standard)."""

    STANDARD = "standard", "Standard"
    ECONOMY = "economy", "Economy (batch)"


class Report(TenantModel):
    """The analysis of one article."""

    article = models.OneToOneField("feeds.Article", on_delete=models.CASCADE, related_name="report")
    summary = models.TextField(blank=True)
    topic = models.CharField(max_length=200, blank=True)
    sentiment_score = models.FloatField(
        default=0.0, validators=[MinValueValidator(-1.0), MaxValueValidator(1.0)]
    )
    sentiment_label = models.CharField(max_length=10, default="neutral")
    language = models.CharField(max_length=16, blank=True)
    extractor = models.CharField(max_length=10)
    model = models.CharField(max_length=100, blank=True)
    prompt_version = models.CharField(max_length=20, blank=True)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    cost_estimate = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    cached = models.BooleanField(default=False, help_text="Reused a cached LLM answer.")
    invented_dropped = models.PositiveSmallIntegerField(default=0)
    status = models.CharField(max_length=10, choices=ReportStatus.choices)
    error = models.TextField(blank=True)
    # Analysed by rules while the LLM was unavailable or over quota: analyse again later.
    llm_pending = models.BooleanField(default=False)
    # An excluded article keeps a report (no mentions) saying which rule kept it out; the
    # name is copied so it still reads after the rule is renamed or deleted.
    excluded_by = models.ForeignKey(
        KeywordRule,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="excluded_reports",
    )
    excluded_rule_name = models.CharField(max_length=100, blank=True)
    # What the LLM call would have cost (estimated input tokens x the model's input price).
    tokens_saved = models.PositiveIntegerField(default=0)
    cost_saved = models.DecimalField(max_digits=12, decimal_places=6, default=0)
    mode = models.CharField(
        max_length=10,
        choices=ReportMode.choices,
        default=ReportMode.STANDARD,
        db_default=ReportMode.STANDARD,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    analysed_at = models.DateTimeField()

    class Meta:
        ordering = ["-analysed_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-analysed_at"], name="report_org_analysed_idx"),
            # The hourly catch-up (reports.analyse_llm_pending) reads only the reports waiting
            # for the LLM: their organizations (for the quota), then a batch in id order. Two
            # small partial indexes replaced (organization, llm_pending), which the catch-up
            # read whole: every report of every organization, each hour.
            models.Index(
                fields=["organization"],
                name="report_org_llm_pending_idx",
                condition=models.Q(llm_pending=True),
            ),
            models.Index(
                fields=["id"],
                name="report_llm_pending_idx",
                condition=models.Q(llm_pending=True),
            ),
            models.Index(fields=["organization", "status"], name="report_org_status_idx"),
            # The plan's "articles analysed by the LLM a month" (accounts.quotas): this month's
            # LLM reports of one organization, counted from the index alone, not by reading
            # every report of the month.
            models.Index(
                fields=["organization", "analysed_at"],
                name="report_org_llm_month_idx",
                condition=models.Q(extractor="llm"),
            ),
        ]

    def __str__(self) -> str:
        return f"Report on {self.article_id}"

    def get_absolute_url(self) -> str:
        return reverse("reports:detail", args=[self.pk])


class ReportVersion(TenantModel):
    """An earlier analysis of a report's article, kept when a re-analysis replaced it.

    Re-analysis updates the report in place, so its URL, reviews, feedback history and the
    drafts that cite it survive; what the report said before is kept here, with the brands
    the next analysis added and removed.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions")
    analysed_at = models.DateTimeField()
    replaced_at = models.DateTimeField(auto_now_add=True)
    extractor = models.CharField(max_length=10)
    model = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=ReportStatus.choices)
    summary = models.TextField(blank=True)
    sentiment_label = models.CharField(max_length=10, default="neutral")
    # [{"brand_id", "name", "confidence", "review_status"}] as they were.
    brands = models.JSONField(default=list)
    # Names of the brands the replacing analysis found that this one had not, and vice versa.
    added = models.JSONField(default=list)
    removed = models.JSONField(default=list)

    class Meta:
        ordering = ["-replaced_at", "-id"]

    def __str__(self) -> str:
        return f"Analysis of {self.analysed_at:%Y-%m-%d %H:%M} of report {self.report_id}"


class ReviewStatus(models.TextChoices):
    UNREVIEWED = "unreviewed", "Unreviewed"
    CONFIRMED = "confirmed", "Confirmed"
    REJECTED = "rejected", "Rejected"


class Mention(TenantModel):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="mentions")
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="mentions")
    surface = models.CharField(max_length=200)
    confidence = models.FloatField(validators=[MinValueValidator(0.0), MaxValueValidator(1.0)])
    sentiment = models.FloatField(default=0.0)
    evidence = models.TextField()
    evidence_start = models.PositiveIntegerField()
    evidence_end = models.PositiveIntegerField()
    source = models.CharField(max_length=10)
    review_status = models.CharField(
        max_length=12, choices=ReviewStatus.choices, default=ReviewStatus.UNREVIEWED
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # Denormalised from the report, so per-brand counts over time need no join.
    mentioned_at = models.DateTimeField()

    class Meta:
        ordering = ["evidence_start"]
        constraints = [
            models.UniqueConstraint(fields=["report", "brand"], name="unique_mention_per_report"),
        ]
        indexes = [
            models.Index(
                fields=["organization", "brand", "-mentioned_at"], name="mention_brand_time_idx"
            ),
            # The dashboard's review queue: the newest unreviewed mentions, read in index order
            # and stopped after a few rows. Without it PostgreSQL sorted every unreviewed
            # mention (~80k at 100k reports, 180 ms) to show five. Its (organization,
            # review_status) prefix also serves the filters that used to have their own index.
            models.Index(
                fields=["organization", "review_status", "-mentioned_at", "-id"],
                name="mention_review_queue_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.surface} in report {self.report_id}"


class FeedbackAction(models.TextChoices):
    CONFIRM = "confirm", "Confirmed a mention"
    REJECT = "reject", "Rejected a mention"
    REASSIGN = "reassign", "Reassigned a mention"
    MERGE = "merge", "Merged brands"
    SEPARATE = "separate", "Kept brands apart"
    EDIT = "edit", "Edited a brand"
    ALIAS_ADD = "alias_add", "Added an alias"
    ALIAS_REMOVE = "alias_remove", "Removed an alias"
    UNBLOCK = "unblock", "Unblocked a term"
    TRACK = "track", "Tracked a brand"
    IGNORE = "ignore", "Ignored a brand"


class FeedbackEvent(TenantModel):
    """Who changed what, and when: every feedback action leaves one."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=15, choices=FeedbackAction.choices)
    brand = models.ForeignKey(
        Brand, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    mention = models.ForeignKey(
        Mention, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor}"


class ExtractionCache(models.Model):
    """LLM answers keyed by content hash + model + prompt version (not tenant data: the
    prompt carries no organization knowledge, so the same text gives the same answer)."""

    key = models.CharField(max_length=64, unique=True)
    result = models.JSONField()
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key


# Alerts have their own module (reports/alerts); imported here so Django finds their models.
from reports.alerts.models import (  # noqa: E402, F401
    Alert,
    AlertDelivery,
    AlertKind,
    AlertMute,
    AlertNotification,
    AlertRule,
    DeliveryChannel,
    DeliveryStatus,
)

# Digests too (reports/digests).
from reports.digests.models import (  # noqa: E402, F401
    DigestDelivery,
    DigestSubscription,
    DigestTemplate,
)

# Daily and monthly roll-ups of mentions (reports/rollups); imported here so Django finds
# their models.
from reports.rollups.models import (  # noqa: E402, F401
    CoMentionDay,
    CoMentionMonth,
    MentionDay,
    MentionMonth,
    RollupState,
    SourceDay,
    SourceMonth,
)

# Share links too (reports/shares).
from reports.shares.models import ShareLink  # noqa: E402, F401
