"""What one page of code42cli's file-event search costs SQLite: the v2 page SELECT of every 30-day page, run on the
bare sqlite3 connection with the page's keyset bound written before the query's `@timestamp` bound and after
it, and the page's keys alone (the covering index); wall and CPU ms, and read syscalls (SQLite page-cache
misses, from /proc/self/io) per page.

    PYTHONPATH=. .venv/bin/python bench/event_page_reads.py PATH [--step 3] [--ordered-copy COPY]

PATH is a database built by bench/api_paging.py (`--db`), opened read-only. With --ordered-copy, the same
events are also copied (once, if COPY does not exist) into a file of their own whose rowids follow event_at
(INSERT ... ORDER BY event_at, id; users and devices copied whole for the owners' subqueries), and the page
SELECT is run on both files in turn: the layout bench/grow_events.py builds against a time-ordered one.
"""
import argparse
import json
import os
import re
import sqlite3
import statistics
import sys
import time
from datetime import datetime

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "bench"))

from api_paging import event_query_30_days  # noqa: E402
from sqlalchemy import select, tuple_  # noqa: E402
from sqlalchemy.dialects import sqlite  # noqa: E402

from webconsole.domain import event_query  # noqa: E402
from webconsole.models import FileEvent  # noqa: E402

CACHE_KIB = 32768  # the app's SQLITE_CACHE_KIB
KEYS = [FileEvent.event_at, FileEvent.id]


def statement(columns, query, after, bound_first):
    """The admin's page SELECT after `after` (event_at, id), literal, with the page's bound first or last."""
    keyset = tuple_(*KEYS) > tuple_(datetime.fromisoformat(after[0]), after[1])
    stmt = select(*columns).where(keyset, query.condition) if bound_first else \
        select(*columns).where(query.condition, keyset)
    stmt = stmt.order_by(*KEYS).limit(query.size + 1)
    return str(stmt.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


def page_keys(connection, query, since):
    """The (event_at, id) after which each page starts, the first page's being just before `since`."""
    keys, key = [], (since, 0)
    while rows := connection.execute(statement(KEYS, query, key, True).replace(f"LIMIT {query.size + 1}",
                                                                                f"LIMIT {query.size}")).fetchall():
        keys.append(key)
        key = rows[-1]
    return keys


def reads():
    with open("/proc/self/io") as io:
        return int(dict(line.split(": ") for line in io.read().splitlines())["syscr"])


def measure(connection, sql):
    """(wall ms, CPU ms, read syscalls) of running `sql` and fetching every row."""
    before, started, cpu = reads(), time.perf_counter(), time.process_time()
    connection.execute(sql).fetchall()
    return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000, reads() - before


def ordered_copy(source, path):
    copy = sqlite3.connect(path)
    for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-1000000"):
        copy.execute(f"PRAGMA {pragma}")
    copy.execute(f"ATTACH 'file:{source}?mode=ro' AS s")
    for table in ("file_events", "users", "devices"):
        copy.execute(copy.execute("SELECT sql FROM s.sqlite_master WHERE type = 'table' AND name = ?",
                                  (table,)).fetchone()[0])
    names = ", ".join(row[1] for row in copy.execute("PRAGMA s.table_info(file_events)") if row[1] != "id")
    copy.execute(f"INSERT INTO main.file_events ({names}) SELECT {names} FROM s.file_events ORDER BY event_at, id")
    copy.execute("INSERT INTO main.users SELECT * FROM s.users")
    copy.execute("INSERT INTO main.devices SELECT * FROM s.devices")
    copy.execute("CREATE INDEX ix_file_events_event_at_id ON file_events (event_at, id, file_name)")
    copy.commit()
    copy.close()


def table(results):
    print("| statement | pages | wall median ms | wall p95 ms | wall max ms | CPU median ms | reads median | "
          "reads max |\n|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, samples in results.items():
        wall, cpu, read = (sorted(s[n] for s in samples) for n in range(3))
        print(f"| {label} | {len(samples)} | {statistics.median(wall):.1f} | {wall[int(0.95 * (len(wall) - 1))]:.1f} | "
              f"{wall[-1]:.1f} | {statistics.median(cpu):.1f} | {statistics.median(read):.0f} | {read[-1]} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--step", type=int, default=3, help="measure every step-th page")
    parser.add_argument("--ordered-copy", help="a file of the same events with rowids in event_at order")
    args = parser.parse_args()
    query = event_query.parse(json.loads(str(event_query_30_days())))
    since = re.search(r"'([^']+)'", statement(KEYS, query, ("2000-01-01", 0), False)).group(1)
    files = {"as built": args.path}
    if args.ordered_copy:
        if not os.path.exists(args.ordered_copy):
            started = time.perf_counter()
            ordered_copy(args.path, args.ordered_copy)
            print(f"ordered copy built in {time.perf_counter() - started:.0f} s", file=sys.stderr)
        files["rowids in event_at order"] = args.ordered_copy
    connections = {}
    for name, path in files.items():
        connections[name] = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        connections[name].execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    keys = {name: page_keys(c, query, since) for name, c in connections.items()}
    print(f"{', '.join(f'{len(k)} pages ({n})' for n, k in keys.items())}; load average "
          f"{' '.join(f'{n:.2f}' for n in os.getloadavg())} at the start\n", flush=True)
    variants = [("page SELECT, page's bound first", event_query.V2_COLUMNS, True),
                ("page SELECT, query's bound first", event_query.V2_COLUMNS, False),
                ("keys alone, page's bound first", KEYS, True), ("keys alone, query's bound first", KEYS, False)]
    if args.ordered_copy:  # the layouts compared with the statement as the search now writes it
        variants = variants[:1]
    results = {}
    for n in range(0, min(len(k) for k in keys.values()), args.step):
        for name, connection in connections.items():  # in turn, so the machine's load weighs on each alike
            for label, columns, bound_first in variants:
                sql = statement(columns, query, keys[name][n], bound_first)
                results.setdefault(f"{label} ({name})", []).append(measure(connection, sql))
    table(results)
    print(f"\nload average {' '.join(f'{n:.2f}' for n in os.getloadavg())} at the end")


if __name__ == "__main__":
    main()
