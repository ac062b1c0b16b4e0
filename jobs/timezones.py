"""The time zones the job form offers: canonical zone names first, legacy aliases after.

IANA's ``zone1970.tab`` lists one canonical name per zone; ``available_timezones()`` also
holds the backward-compatible links (``US/Eastern``, ``Etc/GMT+5``, ``Japan``), which are
valid but clutter a picker. They stay accepted, just listed last.
"""

from functools import cache
from importlib import resources
from pathlib import Path
from zoneinfo import available_timezones

SYSTEM_TABLE = Path("/usr/share/zoneinfo/zone1970.tab")


def _zone1970() -> str:
    try:
        return (resources.files("tzdata.zoneinfo") / "zone1970.tab").read_text()
    except (ModuleNotFoundError, FileNotFoundError):
        # Without the tzdata package, zoneinfo reads the system database: so do we.
        return SYSTEM_TABLE.read_text() if SYSTEM_TABLE.exists() else ""


@cache
def canonical_timezones() -> frozenset[str]:
    names = set()
    for line in _zone1970().splitlines():
        if line and not line.startswith("#"):
            columns = line.split("\t")
            if len(columns) >= 3:
                names.add(columns[2])
    return frozenset(names & available_timezones())


@cache
def ordered_timezones() -> tuple[str, ...]:
    """UTC, then the canonical zones, then the aliases; each group alphabetical."""
    every = available_timezones()
    canonical = canonical_timezones()
    # "localtime" and "Factory" are database artefacts nobody means to pick.
    rest = every - canonical - {"UTC", "localtime", "Factory", "posixrules"}
    return ("UTC", *sorted(canonical), *sorted(rest))


@cache
def _by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in available_timezones()}


def normalize_timezone(text: str) -> str | None:
    """The zone's exact name for what a person typed ("europe/paris " → "Europe/Paris")."""
    return _by_lower_name().get(text.strip().replace(" ", "_").lower())
