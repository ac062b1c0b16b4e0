"""One share link: what it shows (an analytics view's filters, or a digest template over a
date range), until when, and how often it was opened.

The token itself is never stored: only its SHA-256 (``token_hash``). A leaked database or
backup then opens nothing, revoking is setting ``revoked_at`` on the row, and the link does
not depend on SECRET_KEY (rotating it keeps links working). The price: the full URL is shown
once, when the link is made, like an API key.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models

from accounts.tenancy import TenantModel

# How long a link may live at most, and the choices offered.
MAX_DAYS = 90
EXPIRY_CHOICES = [(7, "7 days"), (30, "30 days"), (90, "90 days")]


class ShareKind(models.TextChoices):
    ANALYTICS = "analytics", "Analytics view"
    DIGEST = "digest", "Digest"


class ShareLink(TenantModel):
    kind = models.CharField(max_length=10, choices=ShareKind.choices)
    # What the link shows: the Analytics page's query (group, brand, range, date_from,
    # date_to) or the digest's range (range, date_from, date_to). A rolling preset
    # ("last_7_days") stays rolling: each visit shows the latest days.
    params = models.JSONField(default=dict, blank=True)
    # The digest template shown; a deleted template leaves the link dead (404), not gone.
    template = models.ForeignKey(
        "reports.DigestTemplate",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="share_links",
    )
    title = models.CharField(max_length=150)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_viewed_at = models.DateTimeField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="sharelink_org_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    def is_active(self, now: datetime) -> bool:
        if self.revoked_at is not None or self.expires_at <= now:
            return False
        return self.kind != ShareKind.DIGEST or self.template_id is not None

    def status(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "active"
