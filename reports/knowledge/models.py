"""The brand knowledge base's tables: global reference data, not tenant data.

Every organization's analysis reads the same rows; only ``manage.py load_brand_knowledge``
writes them (rebuilt whole inside one transaction, so a failed load leaves the previous
tables in use).
"""

from django.db import models


class KnowledgeKind(models.TextChoices):
    BRAND = "brand", "Brand"
    OPERATOR = "operator", "Operator"
    GOVERNMENT = "government", "Government body"
    NGO = "ngo", "Non-profit organisation"
    OTHER = "other", "Other"


class KnowledgeBrand(models.Model):
    name = models.CharField(max_length=300)
    key = models.CharField(max_length=300, db_index=True)
    wikidata_id = models.CharField(max_length=20, blank=True, db_index=True)
    kind = models.CharField(max_length=12, choices=KnowledgeKind.choices)
    # The source's own category: an OSM tag ("shop/supermarket") or an index industry.
    category = models.CharField(max_length=100, blank=True)
    # One of reports.models.DEFAULT_INDUSTRIES (reports.knowledge.categories), or "".
    industry = models.CharField(max_length=100, blank=True)
    website = models.URLField(max_length=500, blank=True)
    description = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=100)
    # How widely the sources list it; the better-known of two namesakes has the form.
    weight = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["name"]
        verbose_name = "knowledge-base brand"

    def __str__(self) -> str:
        return self.name

    @property
    def wikidata_url(self) -> str:
        return wikidata_url(self.wikidata_id)


class KnowledgeName(models.Model):
    """One written form of a knowledge-base brand ("Coca-Cola", "Coke", "coca cola")."""

    brand = models.ForeignKey(KnowledgeBrand, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(max_length=300)
    key = models.CharField(max_length=300, db_index=True)
    # Matched only as written: every word of it is a common English word ("Apple", "Shell").
    case_sensitive = models.BooleanField(default=False)
    # A place, person or myth as often as a brand ("Amazon", "Jordan"): extractors want a cue.
    ambiguous = models.BooleanField(default=False)
    # Why the form is never matched in text (reports.knowledge.build.EXCLUSION_REASONS).
    excluded = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "knowledge-base written form"

    def __str__(self) -> str:
        return self.name


class KnowledgeBaseVersion(models.Model):
    """One load of the knowledge base; the newest row is the one in use."""

    label = models.CharField(max_length=200)
    # {"name-suggestion-index": {"version": "8.0.…", "licence": "…", "brands": 123}, …}
    sources = models.JSONField(default=dict)
    brands = models.PositiveIntegerField(default=0)
    names = models.PositiveIntegerField(default=0)
    excluded = models.PositiveIntegerField(default=0)
    checksum = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-loaded_at", "-id"]
        get_latest_by = "loaded_at"
        verbose_name = "knowledge-base version"

    def __str__(self) -> str:
        return f"{self.label}, {self.brands} brands"


def wikidata_url(wikidata_id: str) -> str:
    return f"https://www.wikidata.org/wiki/{wikidata_id}" if wikidata_id else ""
