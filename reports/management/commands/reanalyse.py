"""Re-run brand extraction over a date range and print what changed, per brand.

manage.py reanalyse --since 2026-11-01 [--until 2026-11-30] [--org SLUG] [--model M] [--rules]
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import Organization
from marketing_hunting.command_args import iso_date
from reports.services.analyse import AnalysisOptions
from reports.services.reanalyse import reports_reanalyse


class Command(BaseCommand):
    help = "Re-analyse the reports of a date range (e.g. with another model) and show changes."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--since", required=True, type=iso_date)
        parser.add_argument("--until", type=iso_date, help="Default: today.")
        parser.add_argument("--org", help="Only this organization (slug).")
        parser.add_argument("--model", help="LLM model to use instead of OPENAI_MODEL.")
        parser.add_argument("--rules", action="store_true", help="Use the rules extractor only.")

    def handle(self, *args: Any, **options: Any) -> None:
        until = options["until"] or timezone.now().date()
        if until < options["since"]:
            raise CommandError("--until is before --since.")
        organization = None
        if options["org"]:
            organization = Organization.objects.filter(slug=options["org"]).first()
            if organization is None:
                raise CommandError(f"No organization {options['org']!r}.")
        summary = reports_reanalyse(
            organization=organization,
            since=options["since"],
            until=until,
            options=AnalysisOptions(use_llm=not options["rules"], model=options["model"]),
        )
        self.stdout.write(f"Re-analysed {summary.reports} reports.")
        lines = summary.lines()
        if not lines:
            self.stdout.write("No brand gained or lost a mention.")
        for line in lines:
            self.stdout.write(f"  {line}")
