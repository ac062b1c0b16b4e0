"""Argument types for management commands: a bad value is one line naming it, not a traceback.

argparse turns ``ArgumentTypeError`` into "error: argument --since: <message>". A
``CommandError`` raised while parsing escapes Django's handler (it is raised before
``execute``), so the user saw a traceback.
"""

from argparse import ArgumentTypeError
from collections.abc import Callable
from datetime import date


def iso_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArgumentTypeError(f"{value!r} is not a date (use YYYY-MM-DD).") from None


def whole_number(minimum: int, maximum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise ArgumentTypeError(f"{value!r} is not a whole number.") from None
        if not minimum <= number <= maximum:
            raise ArgumentTypeError(f"{number} is not between {minimum} and {maximum}.")
        return number

    return parse


def non_blank(value: str) -> str:
    if not value.strip():
        raise ArgumentTypeError("must not be empty.")
    return value.strip()
