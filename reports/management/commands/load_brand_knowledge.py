"""Build the brand knowledge base from the installed data packages.

manage.py load_brand_knowledge            # rebuild if the packages or the rules changed
manage.py load_brand_knowledge --force    # rebuild even if nothing changed
manage.py load_brand_knowledge --check    # print the version in use, change nothing
manage.py load_brand_knowledge --skip-missing   # load what is installed (make run)
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports.knowledge.loader import (
    KnowledgeSourceError,
    KnowledgeSourceMissing,
    current_version,
    knowledge_base_load,
)


class Command(BaseCommand):
    help = "Load the brand knowledge base (NSI, pytickersymbols) from the installed packages."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="Print the version in use.")
        parser.add_argument("--force", action="store_true", help="Rebuild even if current.")
        parser.add_argument(
            "--skip-missing",
            action="store_true",
            help="Load the packages that are installed; fail only if none is.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            version = current_version()
            if version is None:
                raise CommandError(
                    "The brand knowledge base is not loaded: run manage.py load_brand_knowledge."
                )
            self.stdout.write(
                f"Knowledge base: {version.label}, {version.brands} brands, "
                f"{version.names} written forms ({version.excluded} not matched), "
                f"loaded {version.loaded_at:%Y-%m-%d %H:%M} UTC."
            )
            return
        try:
            result = knowledge_base_load(
                force=options["force"], skip_missing=options["skip_missing"]
            )
        except (KnowledgeSourceMissing, KnowledgeSourceError) as exc:
            previous = current_version()
            kept = f" The tables in use are unchanged ({previous})." if previous else ""
            raise CommandError(f"{exc}{kept}") from exc
        for message in result.skipped:
            self.stderr.write(self.style.WARNING(f"Skipped: {message}"))
        version = result.version
        if result.changed:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Loaded the brand knowledge base: {version.label}, {version.brands} brands, "
                    f"{version.names} written forms ({version.excluded} not matched)."
                )
            )
        else:
            self.stdout.write(f"Brand knowledge base is current: {version.label}.")
