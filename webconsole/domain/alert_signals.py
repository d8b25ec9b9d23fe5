"""Who is told when alerts are raised: rule evaluation raises, notifications (and anything else) listen.

Evaluation calls alerts_raised(ids) after the commit that stored the alerts; each subscriber is
called with the ids, in the order they subscribed. A failing subscriber is logged and never undoes
the alerts or stops the others: the events and their alerts are stored and the sender is owed its
acknowledgement.
"""
import logging

_subscribers = []
log = logging.getLogger(__name__)


def on_alerts_raised(callback):
    """Have `callback(alert_ids)` called after every commit that raises alerts; returns it (a decorator)."""
    if callback not in _subscribers:
        _subscribers.append(callback)
    return callback


def forget_subscriber(callback):
    """Stop calling a callback that on_alerts_raised registered."""
    if callback in _subscribers:
        _subscribers.remove(callback)


def alerts_raised(alert_ids):
    """Tell every subscriber that these alerts were raised and committed."""
    alert_ids = list(alert_ids)
    if not alert_ids:
        return
    for callback in list(_subscribers):
        try:
            callback(alert_ids)
        except Exception:
            log.exception("a subscriber to raised alerts failed on %s", alert_ids)
