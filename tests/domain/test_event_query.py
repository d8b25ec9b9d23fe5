"""The file-event query language: values of the wrong type refused with its own error, never a TypeError; pages
that seek the index where the last one ended."""
from datetime import datetime, timedelta

import pytest

from tests.blueprints.test_file_event_upload import event as raw_event
from webconsole.domain import event_query, events
from webconsole.domain.errors import ValidationError
from webconsole.extensions import db
from webconsole.models import Device, User

NOW = datetime(2026, 12, 6, 12, 0)


@pytest.mark.parametrize("value", [["P30D"], {"P30D": 1}, 30, None, "P30Y"])
def test_within_the_last_takes_only_a_known_period(app, value):
    with app.app_context(), pytest.raises(ValidationError):
        event_query.filter_condition("@timestamp", "WITHIN_THE_LAST", value, NOW)


@pytest.mark.parametrize("key", [["@timestamp"], {"a": 1}, 7])
def test_a_sort_key_that_is_not_text_is_refused(app, key):
    body = {"groups": [], "srtKey": key, "srtDir": "asc", "pgSize": 10}
    with app.app_context(), pytest.raises(ValidationError):
        event_query.parse(body, NOW)


@pytest.mark.parametrize("direction, bound", [("asc", "ON_OR_AFTER"), ("desc", "ON_OR_BEFORE")])
def test_a_deep_page_seeks_the_index_at_its_own_bound(app, world, direction, bound):
    """A page after a token reads from where the last page ended, not from the query's own time bound: a
    page deep in the range costs what the first one does (SQLite's VM steps, counted, not timed)."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite seeks by the first of two bounds on a column; PostgreSQL combines them")
        laptop = db.session.get(Device, world["user_laptop"])
        start = datetime(2026, 11, 1)
        events.store([events.parse_event(raw_event(eventTimestamp=(start + timedelta(minutes=n)).isoformat() + "Z"))
                      for n in range(3000)], "paging", {"device_id": laptop.id, "user_id": laptop.user_id,
                                                        "org_id": laptop.org_id})
        db.session.commit()
        edge = (start - timedelta(days=1) if direction == "asc" else start + timedelta(days=5)).isoformat() + "Z"
        query = event_query.parse({"groups": [{"filters": [{"term": "@timestamp", "operator": bound,
                                                             "value": edge}]}],
                                   "srtKey": "@timestamp", "srtDir": direction, "pgSize": 100}, NOW)
        actor = db.session.get(User, world["admin"])
        steps = []
        db.session.connection().connection.dbapi_connection.set_progress_handler(lambda: steps.append(1) and 0, 100)
        costs, seen, token = [], [], None
        while True:
            steps.clear()
            found, token = event_query.search(actor, query, page_token=token)
            costs.append(len(steps))
            seen += [row.event_at for row in found]
            if not token:
                break
        db.session.connection().connection.dbapi_connection.set_progress_handler(None, 100)
    assert len(seen) == 3000 and seen == sorted(seen, reverse=direction == "desc")
    # Seeking from the query's bound instead, the 29th page scanned 2 800 index entries first: × 5 the steps.
    assert max(costs[1:-1]) < 2 * costs[1]
