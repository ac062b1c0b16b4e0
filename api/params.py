"""Parameters shared by the routers. Ids are positive 64-bit integers; moments are datetimes
the databases can store.

Without the bound a generated id past 2**63 reached the database: SQLite cannot bind it
(OverflowError, a 500); now it is a 422 naming the field. Likewise a datetime whose UTC offset
Python accepts (up to ±23:59) but PostgreSQL does not (±15:59: "time zone displacement out of
range", a 500 found by the schema fuzz), or one that leaves the calendar when moved to UTC
("0001-01-01T00:00+05:00": OverflowError on either database)."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.timezone import get_current_timezone
from ninja import Field, Path, Schema
from pydantic import AfterValidator, ValidationInfo, model_validator

from accounts.tenancy import scoped_queryset
from api.errors import ApiError

MAX_ID = 2**63 - 1

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
# PostgreSQL's widest UTC offset is 15:59 (Python allows 23:59).
MAX_UTC_OFFSET = timedelta(hours=15, minutes=59)


def _storable(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise ValueError("The UTC offset must be between -15:59 and +15:59.")
    try:
        # Both databases store the moment in UTC; a moment at the calendar's edges leaves it.
        # A naive one is read in the installation's time zone, as Django reads it.
        aware = value if value.tzinfo else value.replace(tzinfo=get_current_timezone())
        aware.astimezone(UTC)
    except OverflowError:
        raise ValueError("The date is out of range.") from None
    return value


Moment = Annotated[datetime, AfterValidator(_storable)]


class StrictQuery(Schema):
    """Query parameters that refuse the ones they do not know, by name: ``?brnad=3``
    silently listing everything would look like an answer."""

    model_config = {"extra": "forbid"}

    @model_validator(mode="before")
    @classmethod
    def _unknown_parameters(cls, data: Any, info: ValidationInfo) -> Any:
        # ninja passes on only the declared parameters: put the others back for "forbid".
        request = (info.context or {}).get("request")
        if request is None or not isinstance(data, dict):
            return data
        unknown = {name: request.GET[name] for name in request.GET if name not in cls.model_fields}
        return {**data, **unknown}


def owned_rows(request: HttpRequest, model: type, ids: list[int], field: str) -> list:
    """Rows of the key's organization for ids a body names: a missing or foreign id is a 422
    on its field, worded the same either way."""
    rows = {row.pk: row for row in scoped_queryset(request, model).filter(pk__in=ids)}
    missing = [pk for pk in ids if pk not in rows]
    if missing:
        raise ApiError(
            422,
            "invalid_input",
            f"No {model._meta.verbose_name} {missing[0]} in this organization.",
            details=[{"field": field, "message": "Not one of this organization's."}],
        )
    return [rows[pk] for pk in ids]
