"""Cursor pagination: each page ends with the cursor of the next one (or null).

A cursor is the sort values of the last row a page showed, signed so a client cannot hand us
values we would trust blindly; the next page is the rows after it in the same order (keyset
pagination). Unlike page numbers, a deep page costs what the first does, and rows added while
a client pages through are neither skipped nor shown twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

from django.core import signing
from django.db.models import F, Model, Q, QuerySet
from django.db.models.expressions import OrderBy
from ninja import Field
from pydantic import BaseModel

from api.errors import ApiError
from api.params import StrictQuery

T = TypeVar("T")
ModelT = TypeVar("ModelT", bound=Model)
DEFAULT_LIMIT = 25
MAX_LIMIT = 100
_SALT = "api.cursor"


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


class ListQuery(StrictQuery):
    """The query of a list: its filters (in subclasses), ``cursor`` and ``limit``."""

    cursor: str | None = Field(None, max_length=2000, description="next_cursor of a page.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


def _encode(value: Any) -> Any:
    return {"dt": value.isoformat()} if isinstance(value, datetime) else value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"dt"}:
        return datetime.fromisoformat(value["dt"])
    return value


def _name(field: str) -> str:
    return field.lstrip("-").rstrip("?")


def _order(field: str) -> OrderBy:
    """``-field`` descending; a trailing ``?`` marks a nullable field, its nulls sorted last
    on every database (PostgreSQL would put them first when descending, SQLite last)."""
    expression = F(_name(field))
    nulls_last = field.endswith("?") or None
    if field.startswith("-"):
        return expression.desc(nulls_last=nulls_last)
    return expression.asc(nulls_last=nulls_last)


def _after(ordering: Sequence[str], values: Sequence[Any]) -> Q:
    """Rows after ``values`` in ``ordering`` (the last field unique): (a > x) or (a = x and
    b > y) or ..., with < for descending fields. After a non-null value of a nullable field
    come the nulls; after a null, only the nulls that follow it by the next fields."""
    condition = Q()
    equal = Q()
    for field, value in zip(ordering, values, strict=True):
        name = _name(field)
        operator = "lt" if field.startswith("-") else "gt"
        if value is None:  # Nothing of this field sorts after null: only ties go on.
            equal &= Q(**{f"{name}__isnull": True})
            continue
        beyond = Q(**{f"{name}__{operator}": value})
        if field.endswith("?"):
            beyond |= Q(**{f"{name}__isnull": True})
        condition |= equal & beyond
        equal &= Q(**{name: value})
    return condition


def paginate(
    queryset: QuerySet[ModelT],
    ordering: Sequence[str],
    *,
    cursor: str | None,
    limit: int,
    context: str,
) -> tuple[list[ModelT], str | None]:
    """One page of ``queryset`` in ``ordering`` and the cursor of the next page.

    ``context`` names the list and its order: a cursor made for another list or another sort
    is refused rather than silently misread.
    """
    queryset = queryset.order_by(*(_order(field) for field in ordering))
    if cursor:
        try:
            data = signing.loads(cursor, salt=_SALT)
            if data.get("c") != context or len(data.get("v", [])) != len(ordering):
                raise ValueError
            values = [_decode(value) for value in data["v"]]
        except (signing.BadSignature, ValueError, TypeError, AttributeError):
            raise ApiError(
                400,
                "invalid_cursor",
                "This cursor is not one this list gave out (for this sort); start without it.",
                details=[{"field": "cursor", "message": "Invalid cursor."}],
            ) from None
        queryset = queryset.filter(_after(ordering, values))
    rows = list(queryset[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    values = [_encode(_value(last, _name(field))) for field in ordering]
    return rows, signing.dumps({"c": context, "v": values}, salt=_SALT, compress=True)


def _value(row: Model, path: str) -> Any:
    value: Any = row
    for part in path.split("__"):
        value = getattr(value, part)
    return value
