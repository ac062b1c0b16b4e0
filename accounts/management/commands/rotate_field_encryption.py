"""Re-encrypt every stored secret under the first FIELD_ENCRYPTION_KEY key.

Rotation (docs/security.md): put the new key first and keep the old one after it
(``FIELD_ENCRYPTION_KEY=new,old``), restart, run this command, then drop the old key. Each row
is rewritten in its own transaction; a secret that no configured key opens is reported and
left as it is (its organization enters the key again), and the command then fails, so the old
key is not dropped by mistake.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import OrganizationLLM
from marketing_hunting import field_encryption
from marketing_hunting.field_encryption import EncryptionUnavailable


class Command(BaseCommand):
    help = "Re-encrypt stored secrets (organizations' LLM keys) under the first key."

    def handle(self, *args: Any, **options: Any) -> None:
        if not field_encryption.available():
            raise CommandError("FIELD_ENCRYPTION_KEY is not set: there is nothing to rotate to.")
        rotated, failed = 0, []
        ids = OrganizationLLM.objects.exclude(api_key_encrypted="").values_list("pk", flat=True)
        for pk in ids.order_by("pk"):
            with transaction.atomic():
                row = OrganizationLLM.objects.select_for_update().get(pk=pk)
                try:
                    row.api_key_encrypted = field_encryption.rotate(row.api_key_encrypted)
                except EncryptionUnavailable:
                    failed.append(row.organization_id)
                    continue
                row.save(update_fields=["api_key_encrypted"])
                rotated += 1
        plural = "" if rotated == 1 else "s"
        self.stdout.write(f"{rotated} stored secret{plural} re-encrypted under the first key.")
        if failed:
            raise CommandError(
                f"{len(failed)} stored secret(s) could not be decrypted with any configured key "
                f"(organizations {', '.join(map(str, failed))}): keep the key that made them, "
                "or have those organizations enter their key again."
            )
