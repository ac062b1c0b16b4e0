"""Parameters shared by the routers. Ids are positive 64-bit integers.

Without the bound a generated id past 2**63 reached the database: SQLite cannot bind it
(OverflowError, a 500); now it is a 422 naming the field."""

from typing import Annotated, Any

from ninja import Field, Path, Schema
from pydantic import ValidationInfo, model_validator

MAX_ID = 2**63 - 1

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


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
