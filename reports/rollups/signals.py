"""An organization's roll-ups follow its time zone: a new organization starts with (empty)
roll-ups in its zone; a change of zone enqueues a rebuild, and until it has run the readers
count from the mention rows (``rollup_zone`` no longer matches)."""

from typing import Any

from django.db import transaction
from django.db.models.signals import post_save

from accounts.models import Organization
from reports.rollups.models import RollupState


def _organization_saved(
    sender: Any, instance: Organization, created: bool, raw: bool = False, **_: Any
) -> None:
    instance.__dict__.pop("_rollup_zone", None)
    if raw:  # loaddata: the fixture brings its own rows; `rollups rebuild` counts them
        return
    if created:
        RollupState.objects.get_or_create(
            organization=instance, defaults={"time_zone": instance.time_zone}
        )
        return
    moved = (
        RollupState.objects.filter(organization=instance)
        .exclude(time_zone=instance.time_zone)
        .exists()
    )
    if moved:
        from reports.tasks import rebuild_rollups

        organization_id = instance.pk
        transaction.on_commit(lambda: rebuild_rollups.delay(organization_id))


def connect() -> None:
    post_save.connect(
        _organization_saved, sender=Organization, dispatch_uid="reports.rollups.organization"
    )
