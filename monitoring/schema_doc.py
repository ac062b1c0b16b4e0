"""docs/schema.md, written from the models: app → model → table, columns, keys, indexes and
constraints.

The text depends on the models alone, never on the database in use or the process: column
types are the ones PostgreSQL (production) is given, computed from Django's PostgreSQL backend
without connecting, and everything is listed in a fixed order. So the check in the test suite
gives the same answer on SQLite and PostgreSQL, and a model change without a refresh fails it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.db import models
from django.db.models.fields import NOT_PROVIDED
from django.db.utils import ConnectionHandler

DOCUMENT = Path("docs") / "schema.md"
REFRESH_COMMAND = "python manage.py schema_doc"

HEADER = f"""# Database schema

Generated from the models by `{REFRESH_COMMAND}`; do not edit by hand.
The test suite fails when this file no longer matches the models
(`{REFRESH_COMMAND} --check`): refresh it in the same commit as the model
change and its migration.

Column types are PostgreSQL's (what production runs; SQLite stores the same columns with its
own type names). "null" says whether the column accepts NULL; "default" is the value Django
fills in (a function's name when it is computed), or the database default where a field
declares one. Indexes and constraints name the model fields they cover, with their database
name where the model gives one; Django names the others itself when migrating.
"""


@cache
def _postgresql() -> Any:
    """Django's PostgreSQL backend, never connected: it only turns fields into types."""
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "schema_doc"}}
    )
    return handler["default"]


def project_apps() -> list[AppConfig]:
    """The apps of this repository (not Django's or a library's), in INSTALLED_APPS order."""
    base = Path(settings.BASE_DIR).resolve()
    return [
        config for config in apps.get_app_configs() if Path(config.path).resolve().parent == base
    ]


def _value(value: Any) -> str:
    if isinstance(value, enum.Enum):
        value = value.value
    if callable(value):
        name = getattr(value, "__qualname__", type(value).__qualname__)
        return f"`{getattr(value, '__module__', '?')}.{name}()`"
    if isinstance(value, Decimal):
        return f"`{value}`"
    if isinstance(value, models.Expression | models.Q):
        return f"`{_expression(value)}`"
    return f"`{value!r}`"


def _expression(expression: Any) -> str:
    """Q objects and expressions as a short, stable text."""
    if isinstance(expression, models.Q):
        parts = []
        for child in expression.children:
            if isinstance(child, models.Q):
                parts.append(f"({_expression(child)})")
            else:
                lookup, value = child
                shown = value.value if isinstance(value, enum.Enum) else value
                if isinstance(shown, models.F):
                    shown = shown.name
                elif not isinstance(shown, str) or not isinstance(value, models.Expression):
                    shown = repr(shown)
                parts.append(f"{lookup}={shown}")
        text = f" {expression.connector} ".join(parts)
        return f"NOT ({text})" if expression.negated else text
    return str(expression)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _column_type(field: models.Field) -> str:
    connection = _postgresql()
    db_type = field.db_type(connection) or ""
    check = field.db_check(connection)
    return f"{db_type} (check {check})" if check else db_type


def _default(field: models.Field) -> str:
    if getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
        return f"database: {_value(field.db_default)}"
    if field.has_default():
        return _value(field.default)
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return "now (set by Django)"
    return ""


def _notes(field: models.Field) -> str:
    notes = []
    if field.primary_key:
        notes.append("primary key")
    elif field.unique:
        notes.append("unique")
    elif field.db_index:
        notes.append("indexed")
    if field.is_relation and field.remote_field is not None:
        target = field.remote_field.model._meta
        column = target.get_field(field.remote_field.field_name).column
        on_delete = field.remote_field.on_delete.__name__
        notes.append(f"FK → `{target.db_table}.{column}` (on delete {on_delete})")
    if field.choices and not field.is_relation:
        notes.append("one of " + ", ".join(f"`{key}`" for key, _label in field.flatchoices))
    return "; ".join(notes)


def _columns(model: type[models.Model]) -> list[str]:
    lines = ["| column | type | null | default | notes |", "|---|---|---|---|---|"]
    for field in model._meta.local_concrete_fields:
        lines.append(
            "| "
            + " | ".join(
                _cell(part)
                for part in (
                    f"`{field.column}`",
                    _column_type(field),
                    "yes" if field.null else "no",
                    _default(field),
                    _notes(field),
                )
            )
            + " |"
        )
    return lines


def _fields(names: Iterable[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _index(index: models.Index) -> str:
    what = _fields(index.fields) or ", ".join(f"`{_expression(e)}`" for e in index.expressions)
    text = f"index `{index.name}` on {what}"
    if index.include:
        text += f" including {_fields(index.include)}"
    if index.opclasses:
        text += f" (opclasses {', '.join(index.opclasses)})"
    if index.condition is not None:
        text += f" where `{_expression(index.condition)}`"
    return text


def _constraint(constraint: models.BaseConstraint) -> str:
    if isinstance(constraint, models.UniqueConstraint):
        what = _fields(constraint.fields) or ", ".join(
            f"`{_expression(e)}`" for e in constraint.expressions
        )
        text = f"unique `{constraint.name}` on {what}"
        if constraint.condition is not None:
            text += f" where `{_expression(constraint.condition)}`"
        if constraint.nulls_distinct is not None:
            text += f" (nulls distinct: {constraint.nulls_distinct})"
        return text
    if isinstance(constraint, models.CheckConstraint):
        return f"check `{constraint.name}`: `{_expression(constraint.condition)}`"
    return f"{type(constraint).__name__} `{constraint.name}`"


def _keys(model: type[models.Model]) -> list[str]:
    meta = model._meta
    lines = [f"- {_index(index)}" for index in meta.indexes]
    for together in sorted(tuple(t) for t in meta.unique_together):
        lines.append(f"- unique together: {_fields(together)}")
    lines += [f"- {_constraint(constraint)}" for constraint in meta.constraints]
    return lines


def _model(model: type[models.Model]) -> list[str]:
    meta = model._meta
    title = meta.object_name if not meta.auto_created else f"{meta.object_name} (link table)"
    lines = [f"### {title}", "", f"Table `{meta.db_table}`."]
    parents = [p._meta.db_table for p in meta.parents]
    if parents:
        lines[-1] += " Extends " + ", ".join(f"`{table}`" for table in sorted(parents)) + "."
    if meta.auto_created:
        lines[-1] += " Created for a many-to-many field."
    lines += ["", *_columns(model)]
    keys = _keys(model)
    if keys:
        lines += ["", "Indexes and constraints:", "", *keys]
    return [*lines, ""]


def _models(config: AppConfig) -> list[type[models.Model]]:
    found = [
        model
        for model in config.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy and not model._meta.swapped
    ]
    return sorted(found, key=lambda model: (model._meta.auto_created is not False, model.__name__))


def render() -> str:
    """The whole document, the same text on every run and every database engine."""
    lines = [HEADER]
    ours = project_apps()
    lines.append("## Contents\n")
    for config in ours:
        names = ", ".join(model.__name__ for model in _models(config))
        lines.append(f"- [`{config.label}`](#{config.label}): {names}")
    lines.append("")
    for config in ours:
        lines += [f"## {config.label}", ""]
        for model in _models(config):
            lines += _model(model)
    lines += [
        "## Tables of Django and the libraries",
        "",
        "Created by their own migrations; their columns are documented by each project.",
        "",
        "| app | model | table |",
        "|---|---|---|",
    ]
    ours_labels = {config.label for config in ours}
    others = sorted(
        (model._meta.app_label, model.__name__, model._meta.db_table)
        for config in apps.get_app_configs()
        if config.label not in ours_labels
        for model in _models(config)
    )
    lines += [f"| `{app}` | {name} | `{table}` |" for app, name, table in others]
    return "\n".join(lines).rstrip("\n") + "\n"
