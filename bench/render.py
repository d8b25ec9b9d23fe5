"""Framework overhead of a rows fragment: the console's fragment against its raw query plus a bare Jinja render.

    python bench/render.py --db PATH [--users 100000] [--devices 200000] [--events 2000000] [--runs 30]

Builds (once, as bench/forensic_search.py does) a SQLite database with demo data, then, in one process
and run, for the devices, users and Forensic Search rows fragments at a given depth:

- the fragment: server time of the request through the real app and test client (routing, the
  session, the cursor, the scoped query, the render), as bench/lists.py times it;
- the raw query: the very SELECT the fragment ran (caught as it ran), run again through the bare
  sqlite3 module on its own connection, rows fetched as tuples;
- a bare Jinja render of those rows as <tr><td>…</td></tr>, two ways: "bare", each value as it comes
  (str of the tuple's items) by a plain autoescaping Jinja template; and "formatted", the values as
  the page shows them (dates with flask_babel's |datetime filter, counts with |number, sizes with
  |bytes: what a hand-written template of the list writes), in the app's own Jinja environment within
  a request.

The four take turns, run after run (the formatted render includes entering a request context, as the
fragment does). Prints a Markdown table of medians and the ratios fragment / (raw query + bare render) and fragment /
(raw query + formatted render); the design's budget is 3 ×.
"""
import argparse
import os
import sqlite3
import statistics
import sys
import time
from datetime import datetime

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from urllib.parse import urlencode  # noqa: E402

import jinja2  # noqa: E402
from forensic_search import PASSWORD, build  # noqa: E402
from sqlalchemy import event  # noqa: E402
from timing import HX, p95, scroll_to  # noqa: E402

from webconsole.blueprints.devices.views import DEVICE_LIST  # noqa: E402
from webconsole.blueprints.forensics.views import SEARCH  # noqa: E402
from webconsole.blueprints.users.views import USER_LIST  # noqa: E402
from webconsole.extensions import db  # noqa: E402

BARE = jinja2.Environment(autoescape=True).from_string(
    "{% for row in rows %}<tr>{% for value in row %}<td>{{ value }}</td>{% endfor %}</tr>\n{% endfor %}")
FORMATTED = (
    "{% for row in rows %}<tr>{% for kind, value in row %}<td>"
    "{% if value is none %}{% elif kind == 'datetime' %}{{ value|datetime('short') }}"
    "{% elif kind == 'number' %}{{ value|number }}{% elif kind == 'bytes' %}{{ value|bytes }}"
    "{% else %}{{ value }}{% endif %}</td>{% endfor %}</tr>\n{% endfor %}")


def formatted_rows(spec, names, rows):
    """The rows as (cell kind, value) pairs, dates as datetimes (SQLite hands them over as text)."""
    kinds = [next((c.cell for c in spec.columns if c.key == name), "text") for name in names]
    return [[(kind, datetime.fromisoformat(value) if kind == "datetime" and value else value)
             for kind, value in zip(kinds, row, strict=True)] for row in rows]


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


def ms(action):
    started = time.perf_counter()
    action()
    return (time.perf_counter() - started) * 1000


def measure(app, path, client, spec, label, url, depth, runs):
    """One row of the table; the four timings take turns, so the machine's load weighs on each alike."""
    rows_url, reached = scroll_to(client, url, depth)
    sql, parameters = caught_query(app, client, rows_url)
    raw = sqlite3.connect(path)
    cursor = raw.execute(sql, parameters)
    rows = cursor.fetchall()
    names = [column[0] for column in cursor.description]
    template = app.jinja_env.from_string(FORMATTED)
    shown = formatted_rows(spec, names, rows)
    samples = {"fragment": [], "query": [], "bare": [], "formatted": []}

    def fragment():
        assert client.get(rows_url, headers=HX).status_code == 200

    def formatted():
        with app.test_request_context(headers={"Accept-Language": "en-US"}):
            template.render(rows=shown)

    fragment(), formatted()  # warm up
    for _ in range(runs):
        samples["fragment"].append(ms(fragment))
        samples["query"].append(ms(lambda: raw.execute(sql, parameters).fetchall()))
        samples["bare"].append(ms(lambda: BARE.render(rows=rows)))
        samples["formatted"].append(ms(formatted))
    raw.close()
    fragment_p95 = p95(sorted(samples["fragment"]))
    fragment, query, bare, formatted = (statistics.median(samples[k]) for k in samples)
    print(f"| {label}, page {reached} | {fragment:.1f} | {fragment_p95:.1f} | {query:.2f} | {bare:.2f} "
          f"| {formatted:.2f} | {fragment / (query + bare):.1f} × | {fragment / (query + formatted):.1f} × |",
          flush=True)


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
        (admin, DEVICE_LIST, "devices rows by name", "/devices/"),
        (admin, DEVICE_LIST, "devices rows by last connected", "/devices/?sort=last_connected&dir=desc"),
        (admin, USER_LIST, "users rows by username", "/users/"),
        (analyst, SEARCH, "Forensic Search rows, last 30 days", "/forensic-search/?" + urlencode({"range": "P30D"})),
    ]
    print("| rows fragment (50 rows) | fragment median ms | fragment p95 ms | raw query ms | bare Jinja ms "
          "| formatted Jinja ms | ratio to query + bare | ratio to query + formatted |")
    print("|---|---|---|---|---|---|---|---|")
    for client, spec, label, url in cases:
        measure(app, path, client, spec, label, url, args.depth, args.runs)


if __name__ == "__main__":
    main()
