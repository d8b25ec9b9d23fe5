"""Framework overhead of a rows fragment: the console's fragment against its raw query plus a bare Jinja render.

    python bench/render.py --db PATH [--users 100000] [--devices 200000] [--events 2000000] [--runs 30]

Builds (once, as bench/forensic_search.py does) a SQLite database with demo data, then, in one process
and run, for the devices, users and Forensic Search rows fragments at a given depth:

- the fragment: server time of the request through the real app and test client (routing, the
  session, the cursor, the scoped query, the render), as bench/lists.py times it;
- the raw query: the very SELECT the fragment ran (caught as it ran), run again through the bare
  sqlite3 module on its own connection, rows fetched as tuples;
- a bare Jinja render: those rows as <tr><td>…</td></tr> by a plain autoescaping Jinja template.

Prints a Markdown table of medians and the ratio fragment / (raw query + bare render); the design's
budget is 3 ×.
"""
import argparse
import os
import sqlite3
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import jinja2  # noqa: E402
from forensic_search import PASSWORD, build  # noqa: E402
from sqlalchemy import event  # noqa: E402
from timing import HX, scroll_to, timed  # noqa: E402
from urllib.parse import urlencode  # noqa: E402

from webconsole.extensions import db  # noqa: E402

BARE = jinja2.Environment(autoescape=True).from_string(
    "{% for row in rows %}<tr>{% for value in row %}<td>{{ value }}</td>{% endfor %}</tr>\n{% endfor %}")


def caught_query(app, client, url):
    """(SQL, parameters) of the longest SELECT with a LIMIT that a GET of `url` runs: the listing's page."""
    caught = []

    def catch(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and " LIMIT " in statement.upper():
            caught.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", catch)
    try:
        assert client.get(url, headers=HX).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", catch)
    return max(caught, key=lambda found: len(found[0]))


def median_ms(action, runs):
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def measure(app, path, client, label, url, depth, runs):
    rows_url, reached = scroll_to(client, url, depth)
    fragment, fragment_p95, _ = timed(client, rows_url, HX, runs, warm_up=True)
    sql, parameters = caught_query(app, client, rows_url)
    raw = sqlite3.connect(path)
    rows = raw.execute(sql, parameters).fetchall()
    query = median_ms(lambda: raw.execute(sql, parameters).fetchall(), runs)
    render = median_ms(lambda: BARE.render(rows=rows), runs)
    raw.close()
    ratio = fragment / (query + render)
    print(f"| {label}, page {reached} | {len(rows)} | {fragment:.1f} | {fragment_p95:.1f} | {query:.2f} | {render:.2f} "
          f"| {ratio:.1f} × |", flush=True)
    return ratio


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="the SQLite file (built on first use)")
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--devices", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--depth", type=int, default=100, help="which scrolled page to time")
    args = parser.parse_args()
    path = os.path.abspath(args.db)
    app = build(path, args.users, args.devices, args.events)
    admin, analyst = app.test_client(), app.test_client()
    admin.post("/auth/signin", data={"username": "admin@example.com", "password": PASSWORD})
    analyst.post("/auth/signin", data={"username": "analyst@example.com", "password": PASSWORD})
    cases = [
        (admin, "devices rows by name", "/devices/"),
        (admin, "devices rows by last connected", "/devices/?sort=last_connected&dir=desc"),
        (admin, "users rows by username", "/users/"),
        (analyst, "Forensic Search rows, last 30 days", "/forensic-search/?" + urlencode({"range": "P30D"})),
    ]
    print("| fragment (50 rows) | rows | fragment median ms | fragment p95 ms | raw query ms | bare Jinja ms "
          "| fragment / (query + Jinja) |\n|---|---|---|---|---|---|---|")
    for client, label, url in cases:
        measure(app, path, client, label, url, args.depth, args.runs)


if __name__ == "__main__":
    main()
