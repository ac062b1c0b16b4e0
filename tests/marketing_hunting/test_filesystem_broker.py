"""The filesystem broker publishes whole messages: a reader never sees one half-written."""

from __future__ import annotations

import json
from pathlib import Path
from queue import Empty
from typing import Any

import pytest
from kombu import Connection
from kombu.exceptions import ChannelError
from kombu.transport import filesystem as kombu_filesystem

from marketing_hunting import filesystem_broker


def connection(folder: Path, transport: Any) -> Connection:
    # As settings.py makes them; kombu creates none of them itself.
    for name in ("queue", "processed", "control"):
        (folder / name).mkdir(exist_ok=True)
    return Connection(
        transport=transport,
        transport_options={
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        },
    )


def read_while_writing(module: Any, monkeypatch, reader) -> list[Any]:
    """Run ``reader`` at the moment the message's bytes are about to be written.

    Both kombu's ``_put`` and ours serialize with their module's ``str_to_bytes`` after the
    file is opened, so this is the window a polling worker can fall into.
    """
    seen: list[Any] = []
    real = module.str_to_bytes

    def serialize_then_read(text: str) -> bytes:
        try:
            seen.append(reader())
        except Empty:
            seen.append(Empty)
        return real(text)

    monkeypatch.setattr(module, "str_to_bytes", serialize_then_read)
    return seen


def test_a_message_is_read_back_whole_and_nothing_is_left_behind(tmp_path):
    with connection(tmp_path, filesystem_broker.Transport) as conn:
        # Not "celery": kombu remembers bindings per transport class, in memory, so a name an
        # earlier test's worker bound would skip writing this folder's binding.
        queue = conn.SimpleQueue("whole-messages")
        queue.put({"task": "feeds.refresh", "args": [7]})
        message = queue.get(timeout=5)
        message.ack()
        assert message.payload == {"task": "feeds.refresh", "args": [7]}
        queue.close()
    assert list((tmp_path / "queue").iterdir()) == []


def test_a_worker_polling_mid_write_finds_nothing_then_the_whole_message(tmp_path, monkeypatch):
    with (
        connection(tmp_path, filesystem_broker.Transport) as writer,
        connection(tmp_path, filesystem_broker.Transport) as worker,
    ):
        writing, polling = writer.default_channel, worker.default_channel
        folder_mid_write: list[list[str]] = []

        def poll() -> Any:
            folder_mid_write.append(sorted(p.name for p in (tmp_path / "queue").iterdir()))
            return polling._get("celery")

        seen = read_while_writing(filesystem_broker, monkeypatch, poll)
        writing._put("celery", {"body": "x" * 10_000})

        assert seen == [Empty]
        # The message existed then, under the name no reader takes.
        assert len(folder_mid_write[0]) == 1
        assert folder_mid_write[0][0].endswith(".celery.msg" + filesystem_broker.WRITING_SUFFIX)
        assert polling._get("celery") == {"body": "x" * 10_000}
        assert polling._size("celery") == 0


def test_a_failed_write_says_so_and_leaves_no_fragment(tmp_path, monkeypatch):
    with connection(tmp_path, filesystem_broker.Transport) as conn:
        channel = conn.default_channel

        def disk_full(source: str, target: str) -> None:
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(filesystem_broker.os, "replace", disk_full)
        with pytest.raises(ChannelError, match="Cannot add file"):
            channel._put("celery", {"n": 1})
    assert list((tmp_path / "queue").iterdir()) == []


def test_kombus_own_transport_still_hands_a_poller_the_half_written_message(tmp_path, monkeypatch):
    # Why marketing_hunting/filesystem_broker.py exists. If a kombu upgrade makes this fail,
    # kombu publishes atomically itself and our transport can go.
    with (
        connection(tmp_path, kombu_filesystem.Transport) as writer,
        connection(tmp_path, kombu_filesystem.Transport) as worker,
    ):
        polling = worker.default_channel
        failures: list[Exception] = []

        def poll() -> Any:
            try:
                return polling._get("celery")
            except json.JSONDecodeError as exc:
                failures.append(exc)
                return None

        read_while_writing(kombu_filesystem, monkeypatch, poll)
        writer.default_channel._put("celery", {"n": 1})

        assert len(failures) == 1
