"""Strict readers for environment variables.

Every setting comes from the environment. A bad value must stop start-up with a message that
names the variable, instead of silently falling back (``DEBUG=ture`` is an error, not False).
Secrets may also be given as a path in ``<NAME>_FILE`` (Docker/Kubernetes secrets).
"""

import json
import os
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class Env:
    """Reads typed values from a mapping (``os.environ`` by default)."""

    def __init__(self, environ: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def _raw(self, name: str) -> str | None:
        value = self.environ.get(name)
        if value is None:
            return None
        value = value.strip()
        return value or None

    def string(self, name: str, default: str | None = None) -> str | None:
        value = self._raw(name)
        return default if value is None else value

    def secret(self, name: str, default: str | None = None) -> str | None:
        """A secret from ``NAME`` or from the file named by ``NAME_FILE``."""
        value = self._raw(name)
        file_name = self._raw(f"{name}_FILE")
        if value is not None and file_name is not None:
            raise ImproperlyConfigured(f"Set either {name} or {name}_FILE, not both.")
        if file_name is not None:
            try:
                return Path(file_name).read_text().strip() or default
            except OSError as exc:
                raise ImproperlyConfigured(
                    f"{name}_FILE={file_name!r} cannot be read: {exc.strerror}."
                ) from exc
        return default if value is None else value

    def boolean(self, name: str, default: bool) -> bool:
        value = self._raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a boolean; use one of true/false, 1/0, yes/no, on/off."
        )

    def integer(
        self, name: str, default: int, *, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        value = self._raw(name)
        if value is None:
            return default
        try:
            number = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
        if minimum is not None and number < minimum:
            raise ImproperlyConfigured(f"{name}={number} is below the minimum of {minimum}.")
        if maximum is not None and number > maximum:
            raise ImproperlyConfigured(f"{name}={number} is above the maximum of {maximum}.")
        return number

    def fraction(self, name: str, default: float) -> float:
        """A number from 0 to 1 (a sample rate)."""
        value = self._raw(name)
        if value is None:
            return default
        try:
            number = float(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r} is not a number from 0 to 1.") from None
        if not 0.0 <= number <= 1.0:  # also refuses nan
            raise ImproperlyConfigured(
                f"{name}={value!r} is not a number from 0 to 1 (0.05 samples 5 %)."
            )
        return number

    def strings(self, name: str, default: list[str]) -> list[str]:
        value = self._raw(name)
        if value is None:
            return list(default)
        return [item.strip() for item in value.split(",") if item.strip()]

    def url(self, name: str, default: str | None = None, *, schemes: tuple[str, ...]) -> str | None:
        value = self._raw(name)
        if value is None:
            return default
        parts = urlsplit(value)
        if parts.scheme not in schemes or not (parts.netloc or parts.path):
            raise ImproperlyConfigured(
                f"{name}={_redact(value)!r} is not a valid URL; expected a URL starting with "
                + " or ".join(f"{scheme}://" for scheme in schemes)
                + "."
            )
        return value

    def origins(self, name: str) -> list[str]:
        origins = self.strings(name, [])
        for origin in origins:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ImproperlyConfigured(
                    f"{name} entry {origin!r} must be an origin such as https://example.com."
                )
        return origins

    def json_object(self, name: str, default: dict) -> dict:
        value = self._raw(name)
        if value is None:
            return dict(default)
        try:
            parsed = json.loads(value)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} is not valid JSON: {exc}.") from None
        if not isinstance(parsed, dict):
            raise ImproperlyConfigured(f"{name} must be a JSON object.")
        return parsed

    def timezone(self, name: str, default: str) -> str:
        value = self._raw(name) or default
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ImproperlyConfigured(
                f"{name}={value!r} is not a known time zone (e.g. UTC, Europe/Paris)."
            ) from None
        return value


def _redact(url: str) -> str:
    """Hide a password in a URL before it is shown in an error message."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(parts.password, "***")
    return url
