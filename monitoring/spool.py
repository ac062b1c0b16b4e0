"""Embedded-mode log transport: per-process spool files, consumed by the collector.

Without Redis there is no server to ship to, so every process appends JSON lines to files of its
own under ``VAR_DIR/logs/spool/``, named ``<host>.<pid>.<minute>.jsonl``. No two processes ever
write one file (so no locking and no interleaved lines), and a process starts a new segment every
minute, so a segment whose minute is over will never grow again: once the collector has read it
to the end it can delete it without racing a writer.

The collector keeps its read offset per segment in a small state file, replaced atomically
after each chunk is stored; a crash re-reads at most one chunk, and the database insert is
idempotent (the entry id is ``spool:<segment>:<byte offset>``, unique and stable).
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEGMENT_SUFFIX = ".jsonl"
# Segments this many minutes past their own are complete (a writer never reopens them).
SETTLED_MINUTES = 2
# How often a writer re-measures the spool folder against its size cap.
SIZE_CHECK_SECONDS = 5.0


def _safe_host() -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in socket.gethostname())


def segment_minute(name: str) -> int:
    return int(name[: -len(SEGMENT_SUFFIX)].rsplit(".", 1)[1])


class SpoolWriter:
    """Appends batches of entries to this process's current segment."""

    def __init__(self, spool_dir: str | Path, *, max_bytes: int) -> None:
        self.dir = Path(spool_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.prefix = f"{_safe_host()}.{os.getpid()}"
        self._fd: int | None = None
        self._minute: int | None = None
        self._checked_at = 0.0
        self._dir_bytes = 0

    def write(self, entries: list[dict[str, Any]]) -> int:
        """Append ``entries``; returns how many were dropped because the spool is full."""
        if self._over_cap():
            return len(entries)
        minute = int(time.time() // 60)
        if minute != self._minute or self._fd is None:
            self.close()
            path = self.dir / f"{self.prefix}.{minute}{SEGMENT_SUFFIX}"
            self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
            self._minute = minute
        data = b"".join(
            json.dumps(entry, default=str, ensure_ascii=False).encode() + b"\n" for entry in entries
        )
        view = memoryview(data)
        while view:
            written = os.write(self._fd, view)
            view = view[written:]
        self._dir_bytes += len(data)
        return 0

    def _over_cap(self) -> bool:
        # Without a running collector the folder would grow until the disk is full; past the
        # cap records are dropped (and counted) instead. Measured now and then, not per write.
        now = time.monotonic()
        if now - self._checked_at > SIZE_CHECK_SECONDS:
            self._checked_at = now
            self._dir_bytes = 0
            for path in self.dir.glob(f"*{SEGMENT_SUFFIX}"):
                with contextlib.suppress(FileNotFoundError):
                    self._dir_bytes += path.stat().st_size
        return self._dir_bytes >= self.max_bytes

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


@dataclass
class SpoolChunk:
    segment: str
    entries: list[tuple[str, dict[str, Any] | None]]
    end: int


class SpoolReader:
    """The collector's side: reads complete lines from each segment, from its stored offset."""

    def __init__(
        self, spool_dir: str | Path, *, state_path: str | Path, max_read_bytes: int = 1 << 20
    ) -> None:
        self.dir = Path(spool_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.state_path = Path(state_path)
        self.max_read_bytes = max_read_bytes
        self.offsets: dict[str, int] = self._load()

    def _load(self) -> dict[str, int]:
        try:
            data = json.loads(self.state_path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            # A damaged state file means re-reading from the start: the database insert is
            # idempotent, so that costs time, not correctness.
            return {}
        return {str(k): int(v) for k, v in data.get("offsets", {}).items()}

    def _segments(self) -> list[Path]:
        paths = []
        for path in self.dir.glob(f"*{SEGMENT_SUFFIX}"):
            try:
                segment_minute(path.name)
            except (IndexError, ValueError):
                continue
            paths.append(path)
        return sorted(paths, key=lambda p: (segment_minute(p.name), p.name))

    def read(self, max_lines: int = 1000) -> SpoolChunk | None:
        """The next chunk of complete lines from the oldest segment that has any."""
        for path in self._segments():
            offset = self.offsets.get(path.name, 0)
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                continue
            if size <= offset:
                continue
            chunk = self._read_lines(path, offset, size, max_lines)
            if chunk is not None:
                return chunk
        return None

    def _read_lines(self, path: Path, offset: int, size: int, max_lines: int) -> SpoolChunk | None:
        want = min(size - offset, self.max_read_bytes)
        with path.open("rb") as handle:
            handle.seek(offset)
            data = handle.read(want)
            # A single line longer than max_read_bytes: keep reading until it ends.
            while b"\n" not in data and offset + len(data) < size:
                more = handle.read(self.max_read_bytes)
                if not more:
                    break
                data += more
        complete = data.rfind(b"\n") + 1
        if complete == 0:
            return None  # the writer is mid-line; try again next time
        entries: list[tuple[str, dict[str, Any] | None]] = []
        position = offset
        for line in data[:complete].splitlines(keepends=True)[:max_lines]:
            entry_id = f"spool:{path.name}:{position}"
            position += len(line)
            try:
                parsed = json.loads(line)
            except ValueError:
                parsed = None  # a torn line (disk full mid-write): skipped, never fatal
            entries.append((entry_id, parsed if isinstance(parsed, dict) else None))
        return SpoolChunk(path.name, entries, position)

    def commit(self, chunk: SpoolChunk) -> None:
        self.offsets[chunk.segment] = chunk.end
        self._save()

    def _save(self) -> None:
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"offsets": self.offsets}))
        os.replace(tmp, self.state_path)

    def cleanup(self, now: float | None = None) -> int:
        """Delete segments read to the end whose minute is settled; returns how many."""
        current = int((now or time.time()) // 60)
        removed = 0
        for path in self._segments():
            if segment_minute(path.name) > current - SETTLED_MINUTES:
                continue
            try:
                size = path.stat().st_size
            except FileNotFoundError:
                size = -1
            if size <= self.offsets.get(path.name, 0):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                self.offsets.pop(path.name, None)
                removed += 1
        if removed:
            self._save()
        return removed

    def backlog(self) -> int:
        """Bytes written to the spool and not yet collected."""
        total = 0
        for path in self._segments():
            with contextlib.suppress(FileNotFoundError):
                total += max(0, path.stat().st_size - self.offsets.get(path.name, 0))
        return total


def already_written(entry_id: str, last_written: str | None) -> bool:
    """Whether the collector's file already holds ``entry_id`` (it was written before a crash).

    Only the chunk being stored when the collector stopped can be in the file without its
    offset being committed, and that chunk is the last thing in the file.
    """
    if not last_written or not last_written.startswith("spool:"):
        return False
    segment, _, offset = entry_id.rpartition(":")
    last_segment, _, last_offset = last_written.rpartition(":")
    return segment == last_segment and int(offset) <= int(last_offset)
