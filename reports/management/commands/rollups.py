"""``manage.py rollups rebuild|check``: the daily mention roll-ups the charts read.

    manage.py rollups check [--organization SLUG] [--from 2025-01-01 --to 2025-12-31]
    manage.py rollups rebuild [--organization SLUG] [--from … --to …]

``rebuild`` is idempotent (it counts the days again from the mentions); without dates it
counts every day (the monthly roll-ups follow their days). ``check`` compares the roll-ups with
the mention rows, and each month with the sum of its days, and exits with 1 when any
organization's differ (or have none), listing the first differences.
"""

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Organization
from reports.rollups.services import rollup_check, rollup_rebuild

SHOWN = 10


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"“{value}” is not a date (YYYY-MM-DD).") from error


class Command(BaseCommand):
    help = "Rebuild or check the daily mention roll-ups the charts read."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["rebuild", "check"])
        parser.add_argument("--organization", help="an organization's slug (default: all)")
        parser.add_argument("--from", dest="start", type=_day, help="first day, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", type=_day, help="last day (included)")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        start, end = options["start"], options["end"]
        if start and end and end < start:
            raise CommandError(f"--to ({end}) is before --from ({start}).")
        organizations = Organization.objects.order_by("pk")
        if options["organization"]:
            organizations = organizations.filter(slug=options["organization"])
            if not organizations.exists():
                raise CommandError(f"No organization “{options['organization']}”.")
        failed = 0
        for organization in organizations:
            if action == "rebuild":
                written = rollup_rebuild(organization=organization, start=start, end=end)
                self.stdout.write(f"{organization.slug}: {written} roll-up rows written")
                continue
            check = rollup_check(organization=organization, start=start, end=end)
            if check.ok:
                self.stdout.write(f"{organization.slug}: roll-ups equal the mentions")
                continue
            failed += 1
            if check.time_zone is None:
                self.stdout.write(f"{organization.slug}: no roll-ups yet (run rebuild)")
                continue
            self.stdout.write(
                f"{organization.slug}: {len(check.differences)} counts differ "
                "(brand, day, tone: rolled up / counted)"
            )
            for (brand, day, tone), (rolled, raw) in sorted(check.differences.items())[:SHOWN]:
                self.stdout.write(f"  brand {brand}, {day}, {tone}: {rolled} / {raw}")
            for table, rows in sorted(check.month_differences.items()):
                self.stdout.write(
                    f"{organization.slug}: {len(rows)} months of {table} differ from their days "
                    "(brand, month, …: month / days)"
                )
                for key, (month, days) in sorted(rows.items())[:SHOWN]:
                    self.stdout.write(f"  {', '.join(map(str, key))}: {month} / {days}")
        if failed:
            raise CommandError(f"{failed} organization(s) differ; run `rollups rebuild`.")
