"""One part of the System health page: its level (green, amber, red), the reason and the
figures, and the small formatting helpers every part uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

OK, WARN, ERROR = "ok", "warn", "error"
LEVEL_LABELS = {OK: "green", WARN: "amber", ERROR: "red"}


@dataclass
class Item:
    key: str
    title: str
    level: str
    reason: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def colour(self) -> str:
        return LEVEL_LABELS[self.level]


def worst(levels: list[str]) -> str:
    for level in (ERROR, WARN):
        if level in levels:
            return level
    return OK


def error_text(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def human_bytes(n: int | None) -> str:
    if n is None:
        return "—"
    size = float(n)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def ago(seconds: float) -> str:
    seconds = max(int(seconds), 0)
    if seconds < 120:
        return f"{seconds} s ago"
    if seconds < 7200:
        return f"{seconds // 60} min ago"
    return f"{seconds // 3600} h ago"
