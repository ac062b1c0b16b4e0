"""Fetch feeds now, from the shell: ``manage.py fetch_feeds [--org SLUG] [--feed ID] [--due]``."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from feeds.models import Feed
from feeds.tasks import refresh_feed


class Command(BaseCommand):
    help = "Fetch feeds and extract their new articles, in this process (or --queue them)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--org", help="Only this organization (slug).")
        parser.add_argument("--feed", type=int, action="append", help="Only this feed id.")
        parser.add_argument("--due", action="store_true", help="Only feeds whose time has come.")
        parser.add_argument(
            "--queue", action="store_true", help="Enqueue for the workers instead of running here."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        feeds = Feed.objects.filter(enabled=True).select_related("organization").order_by("id")
        if options["org"]:
            feeds = feeds.filter(organization__slug=options["org"])
            if (
                not feeds.exists()
                and not Feed.objects.filter(organization__slug=options["org"]).exists()
            ):
                raise CommandError(f"No organization {options['org']!r} with feeds.")
        if options["feed"]:
            # Named feeds run even when disabled, but --org still bounds them.
            feeds = Feed.objects.filter(pk__in=options["feed"]).select_related("organization")
            if options["org"]:
                feeds = feeds.filter(organization__slug=options["org"])
            feeds = feeds.order_by("id")
            missing = set(options["feed"]) - set(feeds.values_list("id", flat=True))
            if missing:
                where = f" in organization {options['org']!r}" if options["org"] else ""
                ids = ", ".join(map(str, sorted(missing)))
                raise CommandError(f"No feed with id {ids}{where}.")
        if options["due"]:
            from django.utils import timezone

            now = timezone.now()
            feeds = [feed for feed in feeds if feed.is_due(now)]
        failures = 0
        for feed in feeds:
            if options["queue"]:
                refresh_feed.delay(feed.pk)
                self.stdout.write(f"queued  {feed.pk:>5}  {feed}")
                continue
            outcome = refresh_feed(feed.pk)
            if outcome["status"] == "error":
                failures += 1
                self.stdout.write(
                    self.style.ERROR(f"error   {feed.pk:>5}  {feed}: {outcome['error']}")
                )
            else:
                self.stdout.write(
                    f"{outcome['status']:<7} {feed.pk:>5}  {feed}: "
                    f"{outcome['new_articles']} new, {outcome['extracted']} extracted"
                )
        if failures:
            self.stderr.write(f"{failures} feed(s) failed; see the messages above.")
