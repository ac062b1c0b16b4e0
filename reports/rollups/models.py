"""The roll-up tables. ``RollupState`` says in which time zone an organization's roll-ups are
counted; ``MentionDay`` holds the counts."""

from django.db import models

from accounts.models import Organization


class RollupState(models.Model):
    """An organization's roll-ups exist and count days in ``time_zone``.

    The triggers count only organizations that have a state, in the state's time zone (never
    the organization's current one), so the rows of one organization are always in one zone.
    When the organization's time zone changes, readers fall back to the mention rows until a
    rebuild (enqueued by the change, and the nightly repair as a safety net) counts them again
    in the new zone and updates this row.
    """

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, primary_key=True, related_name="rollup_state"
    )
    time_zone = models.CharField(max_length=64)
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    # Set by a brand merge or an industry change, which leave the story counts (the heat
    # table's) to a background recount instead of counting them again in the request; the
    # readers count the mention rows until the recount clears it (services.stories_recount).
    recount_requested_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"roll-ups of {self.organization_id} in {self.time_zone}"


class MentionDay(models.Model):
    """Mentions of a brand on one local day with one tone (positive, neutral, negative).

    A count can reach 0 (its mentions went) and stay: a rebuild drops such rows, and readers
    skip them. Maintained by the triggers; never written by application code but the rebuild.
    """

    # The key constraint below leads with the organization: no index of its own.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    brand = models.ForeignKey("reports.Brand", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    tone = models.CharField(max_length=8)
    mentions = models.IntegerField()

    class Meta:
        constraints = [
            # Also the readers' index: organization, then brand, then the day range.
            models.UniqueConstraint(
                fields=["organization", "brand", "day", "tone"], name="mentionday_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand_id} on {self.day} ({self.tone}): {self.mentions}"


class CoMentionDay(models.Model):
    """Stories naming a brand on one local day that also name another brand of an industry
    (``industry_key``: the industry's id, 0 for brands without one): the cells of the
    Analytics page's brand-by-industry heat table, a day at a time.

    A story counts once per industry however many of its brands are in it, so these counts
    depend on every brand of the story (and on those brands' industry and status): the
    PostgreSQL triggers count each touched story again, before and after. On SQLite (the
    embedded default, small by nature) the table stays empty and the heat table counts the
    mention rows.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    brand = models.ForeignKey("reports.Brand", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    # Not a foreign key: 0 stands for "no industry" (a NULL would not meet its row in an
    # upsert), and a deleted industry's counts fall to 0 through its brands' update.
    industry_key = models.BigIntegerField()
    stories = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "brand", "day", "industry_key"], name="comentionday_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand_id} on {self.day} with industry {self.industry_key}: {self.stories}"


class SourceDay(models.Model):
    """Stories naming a brand on one local day that a feed carried: top sources, a day at a
    time. A story in two feeds counts for both (each did carry it).

    Kept by the PostgreSQL triggers of ``sources.py`` on mentions and feed links; on SQLite
    the table stays empty and top sources counts the base rows, as the heat table does.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    brand = models.ForeignKey("reports.Brand", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    feed = models.ForeignKey("feeds.Feed", on_delete=models.CASCADE, related_name="+")
    stories = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "brand", "day", "feed"], name="sourceday_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand_id} on {self.day} in feed {self.feed_id}: {self.stories}"


class MentionMonth(models.Model):
    """Mentions of a brand in one local calendar month (``month``: its first day), every tone:
    the sums of its ``MentionDay`` rows, for the totals of long ranges (the most mentioned
    brands, share of voice). A year of 200 tracked brands is ~2,400 rows, where their days
    were ~76,000.

    Kept by triggers on ``reports_mentionday`` (``months.py``), so every writer of the days
    (the mention triggers, a rebuild, the repair) moves the month with them.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    brand = models.ForeignKey("reports.Brand", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    mentions = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "brand", "month"], name="mentionmonth_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand_id} in {self.month:%Y-%m}: {self.mentions}"


class SourceMonth(models.Model):
    """``SourceDay`` summed by local month (PostgreSQL only, like its days): top sources of
    long ranges. Kept by triggers on ``reports_sourceday``."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    brand = models.ForeignKey("reports.Brand", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    feed = models.ForeignKey("feeds.Feed", on_delete=models.CASCADE, related_name="+")
    stories = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "brand", "month", "feed"], name="sourcemonth_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand_id} in {self.month:%Y-%m} in feed {self.feed_id}: {self.stories}"


class CoMentionMonth(models.Model):
    """``CoMentionDay`` summed by local month (PostgreSQL only, like its days): the heat table
    of long ranges. A story has one day per brand, so a month's sum counts each story once.
    Kept by triggers on ``reports_comentionday``: its recounts (a merge's deferred one
    included) move the months with them."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    brand = models.ForeignKey("reports.Brand", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    industry_key = models.BigIntegerField()
    stories = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "brand", "month", "industry_key"],
                name="comentionmonth_key",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.brand_id} in {self.month:%Y-%m} with industry {self.industry_key}: "
            f"{self.stories}"
        )
