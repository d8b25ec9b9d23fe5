"""Sending the outbox: oldest events first, removed only once the server acknowledged their batch.

The server stores a batch whole or not at all and ignores event ids it already has, so a batch whose
answer was lost is simply sent again. An event the server refuses by name is set aside in `rejected`
so that it never blocks the events behind it.
"""
import logging
import re

from webconsole_agent.client import ApiError

log = logging.getLogger(__name__)

_EVENT_FIELD = re.compile(r"events\[(\d+)\]")


def culprit(batch, error):
    """The QueuedEvent of `batch` a 400 answer names (by error.eventId, else by its events[N] field), or None."""
    named = next((q for q in batch if q.event.get("eventId") == error.event_id), None)
    if named is None and isinstance(error.field, str) and (match := _EVENT_FIELD.match(error.field)):
        named = batch[int(match.group(1))] if int(match.group(1)) < len(batch) else None
    return named


def send_batch(state, client, batch_size):
    """Send the oldest batch; how many events left the outbox (0 when it was empty).

    Raises Unreachable (try later) or ApiError (refused, and not because of one named event).
    """
    batch = state.pending(batch_size)
    if not batch:
        return 0
    try:
        client.send_events([q.event for q in batch])
    except ApiError as e:
        bad = culprit(batch, e) if e.status == 400 else None
        if bad is None:
            raise
        state.reject(bad, e.message or e.code)
        log.warning("the server refused event %s (%s): %s; set aside, the others are sent again",
                    bad.event["eventId"], e.field or e.code, e.message)
        return 1
    state.acknowledge([q.seq for q in batch])
    log.debug("%d events acknowledged", len(batch))
    return len(batch)


def drain(state, client, batch_size):
    """Send batches until the outbox is empty; the number of events that left it. Raises as send_batch."""
    total = 0
    while sent := send_batch(state, client, batch_size):
        total += sent
    return total
