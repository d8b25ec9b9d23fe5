"""The file-event query language refuses values of the wrong type with its own error, never a TypeError."""
from datetime import datetime

import pytest

from webconsole.domain import event_query
from webconsole.domain.errors import ValidationError

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
