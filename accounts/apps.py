from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Organizations and members"

    def ready(self) -> None:
        from accounts.models import Membership, Role
        from accounts.registry import (
            Figure,
            NavItem,
            register_banner,
            register_figures,
            register_nav_item,
        )

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

        def llm_banner(organization: object) -> tuple[str, dict] | None:
            """Analysis cannot use the organization's own LLM connection: rules meanwhile."""
            from accounts.models import OrganizationLLM

            row = (
                OrganizationLLM.objects.filter(
                    organization=organization, source="own", failing_since__isnull=False
                )
                .only("failing_since", "failure_message")
                .first()
            )
            if row is None:
                return None
            return "accounts/_llm_banner.html", {"llm": row}

        register_banner(llm_banner)

        from accounts import briefing_cache, request_cache

        briefing_cache.connect_signals()
        request_cache.connect_signals()

        from accounts import audit

        audit.connect_signals()
