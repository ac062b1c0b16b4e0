from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "feeds"

    def ready(self) -> None:
        from django.urls import reverse

        from accounts.registry import Figure, NavItem, register_figures, register_nav_item
        from feeds.models import Feed, FetchStatus

        register_nav_item(NavItem("Feeds", "feeds:list", order=10, section="feeds"))

        # The week's new stories are in the dashboard's briefing (copies counted once).
        def feed_figures(organization: object) -> list[Figure]:
            from django.db.models import Count, Q

            counts = Feed.objects.filter(organization=organization).aggregate(
                feeds_total=Count("id"),
                feeds_enabled=Count("id", filter=Q(enabled=True)),
                feeds_failing=Count("id", filter=Q(enabled=True, last_status=FetchStatus.ERROR)),
            )
            hint = f"{counts['feeds_enabled']} enabled"
            if counts["feeds_failing"]:
                hint += f", {counts['feeds_failing']} failing"
            return [
                Figure("Feeds", counts["feeds_total"], url=reverse("feeds:list"), hint=hint),
            ]

        register_figures(feed_figures, order=10)
