"""The aggregated log file, written by the collector alone.

Only one process ever writes or rotates it (several processes rotating one file is how lines get
lost or doubled). It rotates when it passes ``max_bytes`` or when the time period of its last
write is over (``rotate_seconds``, daily by default), keeping ``backups`` old files
(``name.1`` is the newest). Each line is a JSON object with the entry ``id``, so after a crash
the collector reads the last line back to know what the file already holds.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import IO

TAIL_BYTES = 64 * 1024


class RotatingLogFile:
    def __init__(
        self, path: str | Path, *, max_bytes: int, rotate_seconds: int, backups: int
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.rotate_seconds = rotate_seconds
        self.backups = backups
        self._handle: IO[bytes] | None = None
        self._period = 0
        self._size = 0

    def _period_of(self, timestamp: float) -> int:
        return int(timestamp // self.rotate_seconds)

    def _open(self) -> IO[bytes]:
        if self._handle is None:
            self._repair_tail()
            self._handle = self.path.open("ab")
            stat = os.fstat(self._handle.fileno())
            self._size = stat.st_size
            # A file last written in an earlier period rotates before the next write, also
            # across collector restarts.
            self._period = self._period_of(stat.st_mtime) if stat.st_size else self._period_now()
        return self._handle

    def _period_now(self) -> int:
        return self._period_of(time.time())

    def write_lines(self, lines: list[str]) -> None:
        handle = self._open()
        if self._size and (self._size >= self.max_bytes or self._period != self._period_now()):
            self.rotate()
            handle = self._open()
        data = "".join(lines).encode()
        handle.write(data)
        # Flushed to the OS before the entries are acknowledged, so a collector crash loses
        # nothing (a machine crash may lose the last second; the database copy is committed).
        handle.flush()
        self._size += len(data)

    def rotate(self) -> None:
        self.close()
        if self.backups <= 0:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            return
        for number in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{number}")
            if older.exists():
                os.replace(older, self.path.with_name(f"{self.path.name}.{number + 1}"))
        if self.path.exists():
            os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))

    def _repair_tail(self) -> None:
        """Cut a half-written last line (a crash mid-write); its entry is still unacknowledged."""
        try:
            with self.path.open("rb+") as handle:
                size = handle.seek(0, os.SEEK_END)
                if not size:
                    return
                handle.seek(max(0, size - TAIL_BYTES))
                tail = handle.read()
                if tail.endswith(b"\n"):
                    return
                cut = tail.rfind(b"\n")
                if cut >= 0:
                    handle.truncate(size - len(tail) + cut + 1)
                elif size <= TAIL_BYTES:
                    handle.truncate(0)  # the only line is the broken one
        except FileNotFoundError:
            return

    def last_written_id(self) -> str | None:
        """The id of the last complete line, in this file or (just rotated) the newest backup."""
        self._repair_tail()
        for path in (self.path, self.path.with_name(f"{self.path.name}.1")):
            try:
                with path.open("rb") as handle:
                    size = handle.seek(0, os.SEEK_END)
                    handle.seek(max(0, size - TAIL_BYTES))
                    lines = handle.read().splitlines()
            except FileNotFoundError:
                continue
            for line in reversed(lines):
                try:
                    return str(json.loads(line)["id"])
                except (ValueError, KeyError, TypeError):
                    continue
        return None

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
