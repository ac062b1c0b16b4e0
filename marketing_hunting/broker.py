"""kombu's Redis transport, made to survive a Redis outage under a running task.

kombu 5.7.0 (celery 5.7.0) still ends the worker when Redis dies while a task runs
(issue #18 item 2, reproduced by tests/jobs/test_broker_outage.py): on the connection loss the
consumer restarts, closing its channels; a channel closed after its connection's transport
(``transport.client`` is then None) tries to put its unacknowledged messages back in Redis,
builds a new connection pool from ``transport.client.hostname`` and raises
``AttributeError('NoneType' object has no attribute 'hostname')``. That is not one of the
connection errors Celery recovers from, so the worker logs "Unrecoverable error" and exits.

There is nothing to put back at that moment: Redis is gone. A message Redis still holds in
its "unacked" set is delivered again after ``visibility_timeout`` (kombu's own mechanism); a
Redis restarted empty holds nothing. So a channel without a connection skips the restore,
says so, and the consumer reconnects as it does for an idle worker. The task that was running
finishes in its pool process; its acknowledgement, due on the closed channel, crashed the
worker the same way a second later and is skipped the same way (a second delivery of the run
is a no-op: runs are claimed).

Used through ``CELERY_BROKER_TRANSPORT`` whenever the broker is Redis.
"""

from __future__ import annotations

import logging
from typing import Any

from kombu.transport import redis, virtual

logger = logging.getLogger(__name__)


class QoS(redis.QoS):
    def _connection_gone(self) -> bool:
        # The channel outlived its connection: kombu would build a pool from None.
        transport = getattr(self.channel, "connection", None)
        return getattr(transport, "client", None) is None

    def restore_unacked(self, client: Any = None) -> Any:
        if client is None and self._connection_gone():
            logger.warning(
                "Broker connection gone: %s unacknowledged message(s) left to Redis' "
                "visibility timeout instead of restored now",
                len(self._delivered),
            )
            # restore_unacked_once() marks the state restored and asserts it is empty.
            self._delivered.clear()
            return None
        return super().restore_unacked(client)

    def ack(self, delivery_tag: Any) -> None:
        # A task that started before the outage ends after it, on the closed channel.
        if self._connection_gone():
            logger.warning(
                "Broker connection gone: message %s not acknowledged; Redis redelivers it "
                "after the visibility timeout if it still holds it (the run is claimed, so "
                "a second delivery does nothing)",
                delivery_tag,
            )
            virtual.QoS.ack(self, delivery_tag)  # Forget it locally, as an ack would.
            return
        super().ack(delivery_tag)

    def reject(self, delivery_tag: Any, requeue: bool = False) -> None:
        if self._connection_gone():
            logger.warning("Broker connection gone: message %s not rejected", delivery_tag)
            virtual.QoS.ack(self, delivery_tag)
            return
        super().reject(delivery_tag, requeue=requeue)


class Channel(redis.Channel):
    QoS = QoS


class Transport(redis.Transport):
    Channel = Channel
