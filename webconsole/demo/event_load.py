"""The demo's file events: made up by webconsole.demo.events for the demo users on their devices and
stored in bulk, as agents and data connections would have sent them (load_demo's `events`)."""
import json
from collections import defaultdict
from datetime import timedelta
from itertools import accumulate, islice

from webconsole.demo import events as demo_events
from webconsole.domain.events import (
    COLUMNS,
    DEFAULTS,
    EXPOSURE_BITS,
    FIELDS,
    JSON_COLUMNS,
    SEVERITIES,
    insert_statement,
    store_events,
)
from webconsole.extensions import db
from webconsole.store import name_search
from webconsole.store.bulk_load import IMPORT_CACHE_KIB, indexes_deferred, larger_page_cache

RISKY_USERS = 4  # users who copy files away (USB, personal cloud, browser uploads) far more than others
EVENT_DAYS = 90
EVENT_BATCH = 10_000  # events stored by one executemany, in a transaction of their own


def load_events(count, user_rows, endpoints, now, rng, progress, origins=None, signins=0):
    """`count` file events over the last EVENT_DAYS days, oldest first, by the demo users on their devices.

    Each user works on files of their own (some shared with others), mostly at working hours on
    weekdays; RISKY_USERS of them copy files to USB drives, personal cloud folders and websites.
    Users without a device (and the demo sign-ins but user@example.com) only have cloud events:
    e-mail and sharing. Events are made in the v1 shape, as agents send them, and stored through
    events.store_events by one executemany per batch like events.store's, without parse_event's
    checks (EventValues).
    """
    people, weights = _event_people(user_rows, endpoints, rng, signins)
    cumulative = list(accumulate(weights))
    indexes = range(len(people))
    moments = demo_events.event_moments(rng, count, now, days=EVENT_DAYS)
    connection = db.session.connection()
    values, statement = EventValues(connection.dialect.name), insert_statement(connection.dialect.name)
    with larger_page_cache(IMPORT_CACHE_KIB), indexes_deferred(count):
        while batch := list(islice(moments, EVENT_BATCH)):
            rows, seen = [], set()
            for when, n in zip(batch, rng.choices(indexes, cum_weights=cumulative, k=len(batch)), strict=True):
                person, user_id, org_id, device_ids = people[n]
                kind = demo_events.pick_kind(rng, person)
                if kind in demo_events.ENDPOINT_KINDS:
                    k = rng.randrange(len(device_ids))
                    endpoint, device_id = person.endpoints[k], device_ids[k]
                else:
                    endpoint = device_id = None
                event = demo_events.fake_activity(rng, when, person, kind, endpoint)
                # An event reaches the console a few minutes after it happened.
                arrived = min(when + timedelta(seconds=30 + 870 * rng.random()), now)
                origin = origins.get(event.get("source"), "demo") if origins else "demo"
                rows.append(values(event, when, arrived, origin, org_id, user_id, device_id))
                seen.add(origin)
            # One transaction per batch, in time order (a batch mixes the demo connections' origins).
            store_events(tuple(sorted(seen)),
                         lambda connection, _at, rows=rows: connection.exec_driver_sql(statement, rows).rowcount)
            progress(len(rows))
        name_search.index_new_events()  # in one statement at the end: no agent writes to a database being filled
        db.session.commit()


class EventValues:
    """A valid v1 event as the values events' bulk insert stores, in events.COLUMNS order: what
    parse_event and events.store would make of it, at a quarter of the cost, for events the demo made
    (tests/test_demo_events.py holds the two equal). `when` is the event's time, in whole milliseconds.
    """

    def __init__(self, dialect):
        slot = {column: n for n, column in enumerate(COLUMNS)}
        self.template = [None] * len(COLUMNS)
        for column, value in DEFAULTS.items():
            self.template[slot[column]] = value
        self.sqlite = dialect != "postgresql"
        self.times = slot["event_at"], slot["inserted_at"]
        self.owners = slot["origin"], slot["org_id"], slot["user_id"], slot["device_id"]
        self.media = slot["removable_media"]
        self.plan = {}  # v1 field -> (slot, converter), or (None, key) for a removable-media key
        for key, (column, _check) in FIELDS.items():
            if column.startswith("media."):
                self.plan[key] = (None, column[6:])
            else:  # (eventTimestamp's text is replaced by `when`)
                self.plan[key] = (slot[column], _json if column in JSON_COLUMNS else _CONVERT.get(key))

    def __call__(self, event, when, inserted_at, origin, org_id, user_id, device_id):
        values, media, plan = self.template.copy(), None, self.plan
        for key, value in event.items():
            n, convert = plan[key]
            if n is None:
                media = media or {}
                media[convert] = value
            else:
                values[n] = convert(value) if convert else value
        if media:
            values[self.media] = _json(media)
        if self.sqlite:  # the text SQLAlchemy's SQLite DateTime stores (events._sqlite_time)
            when, inserted_at = when.isoformat(" ", "microseconds"), inserted_at.isoformat(" ", "microseconds")
        values[self.times[0]], values[self.times[1]] = when, inserted_at
        for n, value in zip(self.owners, (origin, org_id, user_id, device_id), strict=True):
            values[n] = value
        return tuple(values)


def _json(value):
    return json.dumps(value, ensure_ascii=False)


_CONVERT = {"exposure": lambda names: sum(EXPOSURE_BITS[name] for name in set(names)),
            "riskSeverity": SEVERITIES.index}


def _event_people(user_rows, endpoints, rng, signins):
    """[(Person, user id, org id, [device id, ...])] of every demo user, and how active each is."""
    devices = defaultdict(list)
    for endpoint in endpoints:
        devices[endpoint["user_id"]].append(endpoint)
    ordinary = [row["id"] for row in user_rows
                if row["id"] > signins and row["status"] == "active" and devices[row["id"]]]
    risky = set(rng.sample(ordinary, min(RISKY_USERS, len(ordinary))))
    people, weights = [], []
    for row in user_rows:
        person = demo_events.make_person(rng, row["username"], "risky" if row["id"] in risky else "normal")
        for device in devices[row["id"]]:
            person.endpoints.append(demo_events.make_endpoint(
                rng, device["hostname"], device["os"], row["username"], device["address"], device["remote_address"]))
        people.append((person, row["id"], row["org_id"], [device["id"] for device in devices[row["id"]]]))
        weight = rng.lognormvariate(0, 0.6)
        if row["id"] in risky:
            weight = 4.0
        elif row["id"] <= signins:
            weight = max(weight, 1.0) * 2  # the sign-ins people try first have something to show
        elif row["status"] != "active" or not devices[row["id"]]:
            weight *= 0.25  # gone, or seen by cloud services only
        weights.append(weight)
    return people, weights
