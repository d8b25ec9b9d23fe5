"""Browsing users for bench/load.py: each signs in as a demo account and browses the lists as htmx does.

A visit opens a list (a full page, then its lazy count, as the page's `hx-trigger="load"` asks),
scrolls a few pages by following the cursor of each fragment's sentinel, sometimes sorts by a heading
the page offers and sometimes searches; fragments are asked for with `HX-Request: true`. Between
scrolls a user reads for a moment (LOAD_READ_SECONDS, "min,max"); between visits it thinks
(LOAD_THINK_SECONDS).

Request names are "<kind> <list>", the kinds being those bench/load.py reports: sign-in, page,
count, rows, sort, search. Every request's time and outcome is written to LOAD_SAMPLES (JSON) when
Locust quits. Run it through bench/load.py; alone: `locust -f bench/locustfile.py --host URL`.
"""
import itertools
import json
import os
import random
import re
from collections import Counter
from html import unescape
from urllib.parse import urlencode

import gevent
from locust import FastHttpUser, between, events, task

PASSWORD = os.environ.get("WEBCONSOLE_DEMO_PASSWORD", "webconsole-demo")
THINK = [float(x) for x in os.environ.get("LOAD_THINK_SECONDS", "2,8").split(",")]
# Seconds between two scrolled pages: a person reads the rows before scrolling on.
READ = [float(x) for x in os.environ.get("LOAD_READ_SECONDS", "0.5,2").split(",")]

# What each list offers: its URL, search terms (common and rare) as its search box sends them.
LISTS = {
    "devices": ("/devices/", lambda term: {"q": term}, ["macbook", "mar", "ubuntu", "thinkpad", "zqx"]),
    "users": ("/users/", lambda term: {"q": term}, ["anna", "mar", "smith", "example.com", "zqx"]),
    "orgs": ("/orgs/", lambda term: {"q": term}, ["eng", "sales", "a", "zqx"]),
    "audit": ("/audit/", lambda term: {"q": term}, ["admin", "sign", "device", "zqx"]),
    "forensic": ("/forensic-search/",
                 lambda term: {"range": "P30D", "f1": "fileName", "o1": "contains", "v1": term},
                 ["notes-1", "contract", "report", ".pdf", "zqx"]),
}
# The demo sign-ins (README) and what each may browse; accounts are dealt out in this order, so 50
# users are 20 Customer Cloud Admins, 10 Org Admins, 10 analysts, 5 help desk and 5 auditors.
ACCOUNTS = [
    ("admin@example.com", ["devices", "users", "orgs", "forensic", "audit", "dashboard"]),
    ("orgadmin@example.com", ["devices", "users", "orgs", "dashboard"]),
    ("admin@example.com", ["devices", "users", "orgs", "forensic", "audit", "dashboard"]),
    ("analyst@example.com", ["forensic"]),
    ("admin@example.com", ["devices", "users", "orgs", "forensic", "audit", "dashboard"]),
    ("orgadmin@example.com", ["devices", "users", "orgs", "dashboard"]),
    ("admin@example.com", ["devices", "users", "orgs", "forensic", "audit", "dashboard"]),
    ("analyst@example.com", ["forensic"]),
    ("helpdesk@example.com", ["devices", "users"]),
    ("auditor@example.com", ["audit"]),
]
_dealt = itertools.count()

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
NEXT_ROWS = re.compile(r'hx-get="([^"]*/rows\?cursor=[^"]*)"')
COUNT = re.compile(r'hx-get="([^"]*/count\?[^"]*)"')

SAMPLES = []  # [name, ms, ok]
ERRORS = Counter()  # {(name, what went wrong): count}


@events.request.add_listener
def _record(name, response_time, exception, response=None, **_kwargs):
    SAMPLES.append([name, response_time, exception is None])
    if exception is not None:
        status = getattr(response, "status_code", 0) or 0
        ERRORS[(name, f"HTTP {status}: {str(exception)[:200]}")] += 1


@events.quitting.add_listener
def _write_samples(**_kwargs):
    path = os.environ.get("LOAD_SAMPLES")
    if path:
        with open(path, "w") as out:
            json.dump({"samples": SAMPLES, "errors": [[name, what, count] for (name, what), count
                                                      in ERRORS.most_common()]}, out)


class BrowsingUser(FastHttpUser):
    """One person at the console: signs in once, then visits the lists their role may see."""

    wait_time = between(*THINK)

    def on_start(self):
        self.username, self.sections = ACCOUNTS[next(_dealt) % len(ACCOUNTS)]
        self.rng = random.Random()
        page = self.client.get("/auth/signin", name="sign-in form").text
        token = CSRF.search(page).group(1)
        with self.client.post("/auth/signin", data={"username": self.username, "password": PASSWORD,
                                                    "csrf_token": token, "next": ""},
                              name="sign-in", catch_response=True) as answer:
            if 'name="password"' in (answer.text or ""):
                answer.failure(f"sign-in refused for {self.username}")

    @task
    def visit(self):
        section = self.rng.choice(self.sections)
        if section == "dashboard":
            self._get("/dashboard/", "page dashboard")
            return
        path, search_args, terms = LISTS[section]
        first = "?" + urlencode({"range": "P7D"}) if section == "forensic" else ""
        page = self._get(path + first, f"page {section}")
        if page is None:
            return
        count = COUNT.search(page)
        if count:
            self._get(unescape(count.group(1)), f"count {section}", hx=path)
        self._scroll(page, section, path, self.rng.randint(1, 5))
        if self.rng.random() < 0.5:
            headings = sorted(set(re.findall(rf'hx-get="({re.escape(path)}\?[^"]*sort=[^"]*)"', page)))
            if headings:
                gevent.sleep(self.rng.uniform(*READ))
                fragment = self._get(unescape(self.rng.choice(headings)), f"sort {section}", hx=path)
                self._scroll(fragment, section, path, self.rng.randint(0, 2))
        if self.rng.random() < 0.5:
            gevent.sleep(self.rng.uniform(*READ))
            fragment = self._get(path + "?" + urlencode(search_args(self.rng.choice(terms))), f"search {section}",
                                 hx=path)
            self._scroll(fragment, section, path, self.rng.randint(0, 2))

    def _scroll(self, html, section, path, pages):
        """Follow the sentinel's cursor `pages` times, as the revealed sentinel does when scrolled to."""
        for _ in range(pages):
            found = html and NEXT_ROWS.search(html)
            if not found:
                return
            gevent.sleep(self.rng.uniform(*READ))
            html = self._get(unescape(found.group(1)), f"rows {section}", hx=path)

    def _get(self, url, name, hx=None):
        """The body of a GET (a fragment when `hx` names the page asking), or None when it failed."""
        headers = {"HX-Request": "true", "HX-Current-URL": self.host.rstrip("/") + hx} if hx else {}
        with self.client.get(url, headers=headers, name=name, catch_response=True) as answer:
            body = answer.text or ""
            if answer.status_code != 200:
                answer.failure(f"HTTP {answer.status_code}")
                return None
            if 'name="password"' in body and 'autocomplete="current-password"' in body:
                answer.failure("signed out: the sign-in page came back")
                return None
            return body
