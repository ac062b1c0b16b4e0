from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing hooks"

    def ready(self) -> None:
        from billing import receivers

        receivers.connect()
