from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jobs.services.sweep import execution_sweep_stuck


class Command(BaseCommand):
    help = "Mark queued/running job executions whose worker is presumed lost as failed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List them without changing anything."
        )

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        swept = execution_sweep_stuck(dry_run=dry_run)
        verb = "Would fail" if dry_run else "Failed"
        for item in swept:
            self.stdout.write(f"{verb} execution #{item.execution.pk}: {item.reason}")
        self.stdout.write(self.style.SUCCESS(f"{verb} {len(swept)} stuck executions."))
