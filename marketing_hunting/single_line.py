"""One-line text: names that end up in mail headers, subjects and one-line displays.

A line break in a mail header is header injection (Django refuses it with BadHeaderError,
which turned an invite into a 500 and stopped the stuck-job sweep), so names are refused
with any character ``str.splitlines`` breaks on (CR, LF, VT, FF, FS/GS/RS, NEL, U+2028,
U+2029), and text put into a header is flattened in case an old row still holds one.
"""

import re

from django.core.exceptions import ValidationError

LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_BREAK_RUNS = re.compile(f"[{re.escape(LINE_BREAKS)}]+")
MESSAGE = "Write it on one line: line breaks are not allowed."


def validate_single_line(value: str) -> None:
    if _BREAK_RUNS.search(value):
        raise ValidationError(MESSAGE, code="line_break")


def one_line(text: str) -> str:
    """``text`` with each run of line breaks turned into one space (safe in a mail header)."""
    return _BREAK_RUNS.sub(" ", text)
