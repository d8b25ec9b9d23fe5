"""Who is told when alerts are raised: rule evaluation raises, notifications (and anything else) listen.

Evaluation calls alerts_raised(ids) after the commit that stored the alerts; each subscriber is
called with the ids (webconsole.domain.signals: a failing one is logged and undoes nothing).
"""
from webconsole.domain.signals import Signal

_raised = Signal("raised alerts")


def on_alerts_raised(callback):
    """Have `callback(alert_ids)` called after every commit that raises alerts; returns it (a decorator)."""
    return _raised.subscribe(callback)


def forget_subscriber(callback):
    """Stop calling a callback that on_alerts_raised registered."""
    _raised.forget(callback)


def alerts_raised(alert_ids):
    """Tell every subscriber that these alerts were raised and committed."""
    alert_ids = list(alert_ids)
    if alert_ids:
        _raised.send(alert_ids)
