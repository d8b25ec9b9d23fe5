"""Telling listeners what a committed change did: file events stored, alerts raised.

A Signal calls its subscribers in the order they subscribed, after the commit it reports. A failing
subscriber is logged and neither stops the others nor undoes what was committed: the sender is owed
its acknowledgement.
"""
import logging

log = logging.getLogger(__name__)


class Signal:
    def __init__(self, name):
        self.name = name
        self._subscribers = []

    def subscribe(self, callback):
        """Have `callback(value)` called on every send; returns it (a decorator)."""
        if callback not in self._subscribers:
            self._subscribers.append(callback)
        return callback

    def forget(self, callback):
        """Stop calling a callback that subscribe registered."""
        if callback in self._subscribers:
            self._subscribers.remove(callback)

    def send(self, value):
        for callback in list(self._subscribers):
            try:
                callback(value)
            except Exception:
                log.exception("a subscriber to %s failed on %s", self.name, value)
