"""Every index costs a write per inserted row (three mentions per report): none may be redundant."""

from django.apps import apps
from django.db import models


def _columns(index: models.Index) -> tuple[str, ...]:
    return tuple(field.lstrip("-") for field in index.fields)


def test_no_index_of_a_project_model_is_a_prefix_of_another_on_the_same_table() -> None:
    redundant = []
    for model in apps.get_models():
        if model._meta.app_label not in {"accounts", "contacts", "feeds", "jobs", "reports"}:
            continue
        plain = [i for i in model._meta.indexes if i.fields and i.condition is None]
        for index in plain:
            for other in plain:
                cols, longer = _columns(index), _columns(other)
                if index is not other and len(cols) < len(longer) and longer[: len(cols)] == cols:
                    redundant.append(f"{model.__name__}: {index.name} is a prefix of {other.name}")
    assert redundant == []
