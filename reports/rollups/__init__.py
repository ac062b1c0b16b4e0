"""Daily roll-ups of mentions: counts per (organization, brand, local day, tone).

The Analytics page, the brand page and the dashboard count mentions per brand, day and tone
over up to two years. Counting the mention rows each time read 60,000 to 100,000 rows for a year
of popular brands (~200 ms on PostgreSQL at 300,000 mentions); the roll-up holds at most one
row per brand, day and tone that had a mention.

Kept current by database triggers on ``reports_mention`` (see ``triggers.py``), not by the
services: mentions are written by bulk_create, bulk_update, QuerySet.update (brand merges),
QuerySet.delete and cascades (a report, an article, a brand or an organization deleted), none
of which send Django signals. A trigger sees every one of them, in the same transaction.
"""
