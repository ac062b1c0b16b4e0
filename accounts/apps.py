from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Organizations and members"

    def ready(self) -> None:
        from accounts.models import Membership, Role
        from accounts.registry import Figure, NavItem, register_figures, register_nav_item

        register_nav_item(NavItem("Dashboard", "dashboard", order=0, section=""))

        def member_figures(organization: object) -> list[Figure]:
            members = Membership.objects.filter(organization=organization)
            return [
                Figure(
                    "Members",
                    members.count(),
                    hint=f"{members.filter(role=Role.OWNER).count()} owner(s)",
                )
            ]

        register_figures(member_figures, order=90)

        from accounts import briefing_cache, request_cache

        briefing_cache.connect_signals()
        request_cache.connect_signals()
