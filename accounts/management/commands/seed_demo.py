"""Create (or top up) the demo organization, its admin user and a few demo feeds.

Idempotent: running it again changes nothing that exists. The admin password comes from
DEMO_ADMIN_PASSWORD, or is generated once and kept in VAR_DIR/demo-admin-password (mode 600), so
``make run`` can print the login every time.
"""

import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Membership, Organization, Role
from accounts.services import organization_create
from feeds.models import Feed
from marketing_hunting.command_args import non_blank

DEMO_ORGANIZATION = "Demo Organization"
DEMO_JOB = "Hourly news sweep"
DEMO_FEEDS = [
    ("BBC News - Business", "https://feeds.bbci.co.uk/news/business/rss.xml"),
    ("The Verge", "https://www.theverge.com/rss/index.xml"),
    ("TechCrunch", "https://techcrunch.com/feed/"),
    ("Marketing Dive", "https://www.marketingdive.com/feeds/news/"),
]


def password_file() -> Path:
    return Path(settings.VAR_DIR) / "demo-admin-password"


def remembered_password(user: Any) -> str | None:
    """The kept password, if it still opens the account (announce_login prints it too)."""
    try:
        password = password_file().read_text().strip()
    except OSError:
        return None
    return password if user.check_password(password) else None


class Command(BaseCommand):
    help = "Create the demo organization, an admin user (password printed) and demo feeds."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--username",
            type=non_blank,
            default=os.environ.get("DEMO_ADMIN_USERNAME", "admin"),
        )
        parser.add_argument("--email", default="admin@example.com")

    @transaction.atomic
    def handle(self, *args: Any, username: str, email: str, **options: Any) -> None:
        kept = password_file()
        wanted = os.environ.get("DEMO_ADMIN_PASSWORD", "").strip()

        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        if user is None:
            password = wanted or secrets.token_urlsafe(12)
            user = user_model.objects.create_superuser(
                username=username, email=email, password=password
            )
            self._remember(kept, password, generated=not wanted)
        elif wanted and not user.check_password(wanted):
            user.set_password(wanted)
            user.save(update_fields=["password"])
            password = wanted
        else:
            password = remembered_password(user)

        organization = Organization.objects.filter(name=DEMO_ORGANIZATION).first()
        if organization is None:
            organization = organization_create(name=DEMO_ORGANIZATION)
        Membership.objects.get_or_create(
            organization=organization, user=user, defaults={"role": Role.OWNER}
        )
        created_feeds = 0
        for name, url in DEMO_FEEDS:
            _, created = Feed.objects.get_or_create(
                organization=organization, url=url, defaults={"name": name}
            )
            created_feeds += created

        job_note = self._demo_job(organization)
        self.stdout.write(
            f"Demo organization: {organization.name} ({created_feeds} new demo feeds{job_note})"
        )
        self.stdout.write(f"Login: {username}")
        if password:
            self.stdout.write(f"Password: {password}")
        else:
            self.stdout.write(
                "Password: unchanged (set DEMO_ADMIN_PASSWORD and run seed_demo to reset it)"
            )

    def _demo_job(self, organization: Organization) -> str:
        """A job that reads every enabled feed each hour and analyses what is new."""
        from jobs.models import Job
        from jobs.services.jobs import job_create

        if Job.objects.filter(organization=organization, name=DEMO_JOB).exists():
            return ""
        job_create(
            organization=organization,
            name=DEMO_JOB,
            schedule_kind="interval",
            interval_every=1,
            interval_unit="hours",
            use_llm=True,  # Falls back to the rules when no LLM is configured.
        )
        return f', demo job "{DEMO_JOB}"'

    def _remember(self, path: Path, password: str, *, generated: bool) -> None:
        if not generated:
            return
        path.write_text(password + "\n")
        path.chmod(0o600)
