from typing import TYPE_CHECKING

from django.apps import AppConfig

if TYPE_CHECKING:
    from accounts.models import Organization
    from accounts.registry import Figure


class ContactsConfig(AppConfig):
    name = "contacts"

    def ready(self) -> None:
        from accounts.registry import NavItem, register_figures, register_nav_item

        register_nav_item(NavItem("Contacts", "contacts:list", order=50, section="contacts"))
        register_figures(contact_figures, order=50)


def contact_figures(organization: "Organization") -> list["Figure"]:
    """Dashboard figures: contacts, suggestions waiting, emails sent in the last 30 days."""
    from datetime import timedelta

    from django.urls import reverse
    from django.utils import timezone

    from accounts.registry import Figure
    from contacts.models import BrandContact, EmailDraft

    people = BrandContact.objects.filter(organization=organization)
    sent = EmailDraft.objects.filter(
        organization=organization, sent=True, sent_at__gte=timezone.now() - timedelta(days=30)
    ).count()
    return [
        Figure("Contacts", people.contacts().count(), url=reverse("contacts:list")),
        Figure(
            "Suggested contacts",
            people.suggestions().count(),
            url=reverse("contacts:suggestions"),
        ),
        Figure("Emails sent (30 days)", sent, url=reverse("contacts:draft_list") + "?status=sent"),
    ]
