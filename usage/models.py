"""Daily counters for the usage facts no other table records.

Everything else on the Usage page is counted from the rows where it already lives (articles,
reports, discovery runs, email drafts, accounts.UsageDaily); these two add what those do not
say: which LLM model the tokens went to (UsageDaily has one row per day, all models together)
and who used the app on a day (nothing else records a visit).
"""

from django.conf import settings
from django.db import models

from accounts.tenancy import TenantModel


class ModelUsageDay(TenantModel):
    """LLM calls, tokens and estimated cost of one model for one organization on one UTC day."""

    date = models.DateField()
    model = models.CharField(max_length=100)
    llm_calls = models.PositiveIntegerField(default=0)
    tokens_in = models.PositiveBigIntegerField(default=0)
    tokens_out = models.PositiveBigIntegerField(default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=6, default=0)

    class Meta:
        ordering = ["-date", "model"]
        verbose_name = "LLM usage by model"
        verbose_name_plural = "LLM usage by model"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "date", "model"], name="unique_model_usage_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.model} for {self.organization_id} on {self.date}"


class ActiveUserDay(TenantModel):
    """A member used the app in this organization on this UTC day (one row, however many
    requests: usage.middleware writes it once per day per member)."""

    date = models.DateField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "date", "user"], name="unique_active_user_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.organization_id} on {self.date}"
