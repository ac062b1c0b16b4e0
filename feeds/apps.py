from django.apps import AppConfig


class FeedsConfig(AppConfig):
    name = "feeds"

    def ready(self) -> None:
        from django.urls import reverse

        from accounts.registry import Figure, NavItem, register_figures, register_nav_item
        from feeds.models import Feed

        register_nav_item(NavItem("Feeds", "feeds:list", order=10, section="feeds"))

        def feed_figures(organization: object) -> list[Figure]:
            feeds = Feed.objects.filter(organization=organization)
            total = feeds.count()
            enabled = feeds.filter(enabled=True).count()
            return [Figure("Feeds", total, url=reverse("feeds:list"), hint=f"{enabled} enabled")]

        register_figures(feed_figures, order=10)
