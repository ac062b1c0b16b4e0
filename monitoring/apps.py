from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        from accounts.registry import NavItem, register_nav_item

        register_nav_item(NavItem("Logs", "monitoring:logs", order=90, section="monitoring"))
