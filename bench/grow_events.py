"""Many file events fast, for benchmarks at 10 M: the demo loader's events copied in SQL until the table
holds the number asked for.

The demo loader makes each event in Python (about 4 500 a second here: 10 M would take most of an
hour); copying them with one INSERT ... SELECT over a recursive CTE of copy numbers stays in SQLite.
Copy n of an event is the same activity n × 61 ms earlier (the demo's times are whole milliseconds,
so the copies never collide with each other), with its own event id, so the table holds `target`
distinct events spread over the demo's 90 days in the demo's proportions of users, devices and kinds.
The copies are appended in the demo's time order, as agents' batches arrive; the deferrable indexes
are dropped meanwhile and built again at the end (store.bulk_load), as bulk imports do.
"""
import sys
import time

from sqlalchemy import text

from webconsole.extensions import db
from webconsole.models import FileEvent
from webconsole.store import name_search
from webconsole.store.bulk_load import IMPORT_CACHE_KIB, indexes_deferred, larger_page_cache

SHIFT_MS = 61  # how much earlier each further copy of an event happened


def grow_events(target):
    """Copy the stored file events (SQLite) until there are `target` of them; how many were added."""
    connection = db.session.connection()
    stored, top = connection.execute(text("SELECT count(*), coalesce(max(id), 0) FROM file_events")).one()
    if stored == 0 or stored >= target:
        return 0
    copies = -(-(target - stored) // stored)  # whole copies of every event, the last one cut at `target`
    names = [c.name for c in FileEvent.__table__.columns if c.name != "id"]
    shifted = {
        "event_id": "e.event_id || '~' || k.n",
        # SQLAlchemy's SQLite DateTime text, microseconds included (strftime's %f stops at milliseconds).
        "event_at": f"strftime('%Y-%m-%d %H:%M:%f', e.event_at, '-' || (k.n * {SHIFT_MS / 1000}) || ' seconds')"
                    " || '000'",
        "inserted_at": f"strftime('%Y-%m-%d %H:%M:%f', e.inserted_at, '-' || (k.n * {SHIFT_MS / 1000}) || "
                       "' seconds') || '000'",
    }
    values = ", ".join(shifted.get(name, f"e.{name}") for name in names)
    statement = text(
        f"INSERT INTO file_events ({', '.join(names)}) "
        f"WITH RECURSIVE k(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM k WHERE n < {copies}) "
        # CROSS JOIN keeps the events outer, read in id (the demo's time) order, so the copies are appended
        # in time order; ORDER BY would sort them all in a temporary b-tree instead.
        f"SELECT {values} FROM file_events AS e CROSS JOIN k WHERE e.id <= :top LIMIT :wanted")
    started = time.perf_counter()
    with larger_page_cache(IMPORT_CACHE_KIB), indexes_deferred(target - stored):
        added = db.session.execute(statement, {"top": top, "wanted": target - stored}).rowcount
        db.session.commit()
    print(f"copied {added:,} events in {time.perf_counter() - started:.0f} s (indexes included)",
          file=sys.stderr, flush=True)
    started = time.perf_counter()
    name_search.index_new_events()
    db.session.commit()
    print(f"indexed their file names in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return added
