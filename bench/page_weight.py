"""Bytes a browser transfers for a full first load of a list page, assets included.

    python bench/page_weight.py [--url /devices/]

Uses the demo database in instance/ (run `make run` once first) and the admin demo sign-in.
Counts the HTML and every local asset it references, raw and gzip-compressed (as a proxy
in front of gunicorn would serve them).
"""
import argparse
import gzip
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from webconsole import create_app  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="/devices/")
    args = parser.parse_args()
    app = create_app()
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    client.post("/auth/signin", data={"username": "admin@example.com", "password": app.config["DEMO_PASSWORD"]})
    html = client.get(args.url).get_data()
    assets = sorted(set(re.findall(rb'(?:src|href)="(/static/[^"#]+)', html)))
    rows = [(args.url, html)] + [(a.decode(), client.get(a.decode()).get_data()) for a in assets]
    total_raw = total_gz = 0
    print("| resource | bytes | gzip bytes |\n|---|---|---|")
    for name, body in rows:
        packed = len(gzip.compress(body, 6))
        total_raw, total_gz = total_raw + len(body), total_gz + packed
        print(f"| {name} | {len(body):,} | {packed:,} |")
    print(f"| **total** | **{total_raw:,}** | **{total_gz:,}** |")


if __name__ == "__main__":
    main()
