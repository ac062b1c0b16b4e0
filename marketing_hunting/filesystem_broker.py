"""kombu's filesystem transport, made to publish each message whole.

kombu 5.7.0 writes a message by opening ``<time>_<uuid>.<queue>.msg`` in the queue folder and
then writing the JSON into it. Its lock (``flock``) is advisory and the reader never takes it:
a worker that lists the folder between the open and the write moves the file away, reads an
empty or half-written message and dies with "Unrecoverable error: JSONDecodeError" (seen in
CI: a "Refresh now" sent by the web process while the worker polled the queue).

Here a message is written under a name the reader does not take (``….msg.part``: the queue
match is on everything after the first dot) and renamed into place once complete.
``os.replace`` within one folder is atomic, so a reader sees the whole message or nothing.

Used through ``CELERY_BROKER_TRANSPORT`` whenever the broker is the filesystem (no
``REDIS_URL``).
"""

from __future__ import annotations

import contextlib
import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

# The suffix a message carries while it is being written; kombu's reader, counter and purge
# match ``.<queue>.msg`` exactly, so they all pass such a file by.
WRITING_SUFFIX = ".part"


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        """Put ``payload`` onto ``queue``: written aside, then renamed into the queue."""
        # kombu's own name, so the reader's order (sorted by name: time first) is unchanged.
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + WRITING_SUFFIX
        try:
            with open(partial, "wb") as message:
                message.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            # Leave no fragment behind for a later purge or a person to wonder about.
            with contextlib.suppress(OSError):
                os.remove(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
