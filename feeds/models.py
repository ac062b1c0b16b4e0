from django.db import models

from accounts.tenancy import TenantModel


class Feed(TenantModel):
    """A news source the organization watches."""

    name = models.CharField(max_length=200)
    url = models.URLField(max_length=2000)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "url"], name="unique_feed_url"),
        ]

    def __str__(self) -> str:
        return self.name
