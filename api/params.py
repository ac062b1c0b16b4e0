"""Typed ids for paths, queries and bodies: an id is a positive 64-bit integer.

Without the bound a generated id past 2**63 reached the database: SQLite cannot bind it
(OverflowError, a 500); now it is a 422 naming the field."""

from typing import Annotated

from ninja import Field, Path

MAX_ID = 2**63 - 1

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
