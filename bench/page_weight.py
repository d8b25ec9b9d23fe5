"""Bytes and requests of a full first load of a list page, assets included, and of a repeat visit.

    python bench/page_weight.py [--url /devices/] [--no-browser]

Uses the demo database in instance/ (run `make run` once first) and the admin demo sign-in.
The table lists the page and every local asset it references: raw bytes, and the bytes the
console itself sends to a client asking for gzip and for brotli (pages compressed on the fly,
static files precompressed). Then Debian's Chromium (through Playwright) loads the page with an
empty cache against a live server, and again as a repeat visit: the server counts the requests that
reach it and the bytes of the bodies it sends, as the browser asked for them (Accept-Encoding).
"""
import argparse
import logging
import os
import re
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from webconsole import create_app  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ADMIN = "admin@example.com"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="/devices/")
    parser.add_argument("--no-browser", action="store_true", help="only the table, no Chromium")
    args = parser.parse_args()
    app = create_app()
    app.config["WTF_CSRF_ENABLED"] = False
    print_resources(app, args.url)
    if not args.no_browser:
        print()
        print_browser_loads(app, args.url)


def print_resources(app, url):
    """The page and each asset it references: raw, gzip and brotli bytes as the console sends them."""
    client = app.test_client()
    client.post("/auth/signin", data={"username": ADMIN, "password": app.config["DEMO_PASSWORD"]})
    html = client.get(url).get_data()
    assets = sorted(set(re.findall(rb'(?:src|href)="(/static/[^"#]+)', html)))
    names = [url] + [a.decode() for a in assets]
    totals = [0, 0, 0]
    print("| resource | bytes | gzip bytes | brotli bytes |\n|---|---:|---:|---:|")
    for name in names:
        sizes = [len(client.get(name, headers={"Accept-Encoding": e}).get_data()) for e in ("", "gzip", "br")]
        totals = [t + s for t, s in zip(totals, sizes, strict=True)]
        print(f"| {name} | " + " | ".join(f"{s:,}" for s in sizes) + " |")
    print("| **total** | " + " | ".join(f"**{t:,}**" for t in totals) + " |")


class _Recorder:
    """WSGI middleware: each request that reaches the server, with the body bytes it sent."""

    def __init__(self, app):
        self.app, self.requests, self.lock = app, [], threading.Lock()

    def __call__(self, environ, start_response):
        seen = {}

        def recording_start(status, headers, exc_info=None):
            seen["status"] = int(status.split()[0])
            seen["encoding"] = dict(headers).get("Content-Encoding", "")
            return start_response(status, headers, exc_info)

        sent = 0
        for chunk in self.app(environ, recording_start):
            sent += len(chunk)
            yield chunk
        with self.lock:
            self.requests.append({"path": environ["PATH_INFO"], "bytes": sent,
                                  "accept": environ.get("HTTP_ACCEPT_ENCODING", ""), **seen})

    def take(self):
        with self.lock:
            taken, self.requests = self.requests, []
        return taken


def print_browser_loads(app, url):
    """First load with an empty cache, then a repeat visit, as Chromium makes them."""
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the tables below say what was requested
    recorder = _Recorder(app.wsgi_app)
    app.wsgi_app = recorder
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium"),
                                        args=CHROMIUM_ARGS)
            context = browser.new_context()
            # Signed in without a page, so the first load starts with an empty cache.
            context.request.post(base + "/auth/signin",
                                 form={"username": ADMIN, "password": app.config["DEMO_PASSWORD"]})
            recorder.take()
            page = context.new_page()
            page.goto(base + url, wait_until="networkidle")
            first = recorder.take()
            # A repeat visit: the same page opened again later, not a forced reload.
            page.goto("about:blank")
            page.goto(base + url, wait_until="networkidle")
            repeat = recorder.take()
            browser.close()
    finally:
        server.shutdown()
    accept = first[0]["accept"] if first else ""
    print(f"Chromium, empty cache then repeat visit (it sent Accept-Encoding: {accept}):\n")
    print("| load | requests | asset requests | bytes sent (bodies, as encoded) |\n|---|---:|---:|---:|")
    for label, requests in (("first", first), ("repeat", repeat)):
        assets = [r for r in requests if r["path"].startswith("/static/")]
        print(f"| {label} | {len(requests)} | {len(assets)} | {sum(r['bytes'] for r in requests):,} |")
    print("\nFirst load, request by request:\n")
    print("| request | status | encoding | bytes sent |\n|---|---:|---|---:|")
    for r in first:
        print(f"| {r['path']} | {r['status']} | {r['encoding'] or '-'} | {r['bytes']:,} |")


if __name__ == "__main__":
    main()
