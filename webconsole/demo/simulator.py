"""Simulated agents speaking the real agent protocol over HTTP, for demos and load tests.

`flask --app wsgi simulate --devices N --events-per-minute M --url URL` drives it; bench/agents.py and
bench/load.py use it to measure heartbeat and upload latency under load (`Stats.report()`: percentiles and
every error). Every simulated device registers, then heartbeats on the server's interval and uploads its
share of the file events with each heartbeat.
"""
import json
import random
import statistics
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from webconsole.demo.events import fake_events
from webconsole.models.base import utcnow

USER_AGENT = "webconsole-simulator/1.0"


class ProtocolError(Exception):
    """The server refused a request: the status and its JSON error."""

    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body}")
        self.status, self.body = status, body


def percentile(ordered, fraction):
    """The nearest-rank percentile (below) of sorted `ordered`: `fraction` 0.95 is the p95."""
    return ordered[max(0, int(len(ordered) * fraction) - 1)]


@dataclass
class Stats:
    """Latencies (ms) and failures per kind of request, shared by every simulated device."""

    samples: dict = field(default_factory=lambda: defaultdict(list))
    failures: Counter = field(default_factory=Counter)
    # {(kind, HTTP status or 0 when the request got no answer, first line of the error): count}
    errors: Counter = field(default_factory=Counter)
    events: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind, ms, ok=True, events=0, status=None, reason=""):
        with self.lock:
            self.samples[kind].append(ms)
            self.events += events
            if not ok:
                self.failures[kind] += 1
                first_line = (reason.strip().splitlines() or [""])[0][:200]
                self.errors[(kind, status or 0, first_line)] += 1

    def summary(self):
        """{kind: (count, median, p95, max, failures)} in milliseconds."""
        with self.lock:
            rows = {}
            for kind, values in sorted(self.samples.items()):
                ordered = sorted(values)
                rows[kind] = (len(ordered), statistics.median(ordered), percentile(ordered, 0.95), ordered[-1],
                              self.failures[kind])
            return rows

    def report(self):
        """The summary as JSON-ready values: p50/p95/p99 per kind, every error with its count, events stored."""
        with self.lock:
            kinds = {}
            for kind, values in sorted(self.samples.items()):
                ordered = sorted(values)
                kinds[kind] = {"count": len(ordered), "p50": percentile(ordered, 0.50),
                               "p95": percentile(ordered, 0.95), "p99": percentile(ordered, 0.99),
                               "max": ordered[-1], "failed": self.failures[kind]}
            errors = [{"kind": kind, "status": status, "reason": reason, "count": count}
                      for (kind, status, reason), count in self.errors.most_common()]
            return {"kinds": kinds, "errors": errors, "events": self.events}


class Client:
    """One request at a time to the agent API at `url`; records each request in `stats`."""

    def __init__(self, url, stats, timeout=30):
        self.base = url.rstrip("/") + "/api/agent/v1"
        self.stats, self.timeout = stats, timeout

    def call(self, kind, path, body=None, auth=None, events=0):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method="POST" if data else "GET")
        request.add_header("User-Agent", USER_AGENT)
        if data:
            request.add_header("Content-Type", "application/json")
        if auth:
            request.add_header("Authorization", f"Device {auth}")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read() or b"{}")
            self.stats.add(kind, (time.perf_counter() - started) * 1000, events=events)
            return answer
        except urllib.error.HTTPError as error:
            body = error.read().decode(errors="replace")
            self.stats.add(kind, (time.perf_counter() - started) * 1000, ok=False, status=error.code, reason=body)
            raise ProtocolError(error.code, body) from None
        except (urllib.error.URLError, OSError) as error:
            self.stats.add(kind, (time.perf_counter() - started) * 1000, ok=False, reason=str(error))
            raise ProtocolError(0, str(error)) from None


class SimulatedDevice:
    def __init__(self, n, client, seed):
        self.n, self.client = n, client
        self.rng = random.Random(seed * 100_003 + n)
        self.hostname = f"sim-{n:05d}"
        self.auth, self.interval, self.owed = None, 60, 0.0

    def register(self, key, username, password):
        answer = self.client.call("register", "/register", {
            "registration_key": key, "username": username, "password": password, "hostname": self.hostname,
            "os": self.rng.choice(["windows", "macos", "linux"]), "agent_version": "1.0.0"})
        self.auth, self.interval = f"{answer['guid']}:{answer['secret']}", answer["heartbeat_seconds"]

    def beat(self, events_per_second):
        """One heartbeat, then this device's share of the events since the last one."""
        answer = self.client.call("heartbeat", "/heartbeat", {"agent_version": "1.0.0", "backup": []},
                                  auth=self.auth)
        self.interval = answer.get("heartbeat_seconds", self.interval)
        for command in answer.get("commands", []):
            self.client.call("command", f"/commands/{command['id']}/result",
                             {"output": f"simulated {command['command']}: ok", "exit_status": 0}, auth=self.auth)
        self.owed += events_per_second * self.interval
        count, self.owed = int(self.owed), self.owed - int(self.owed)
        for start in range(0, count, 1000):
            batch = fake_events(self.rng, min(1000, count - start), utcnow(), home=f"/home/{self.hostname}")
            self.client.call("file-events", "/file-events", {"events": batch}, auth=self.auth, events=len(batch))


def run(url, devices, events_per_minute, key, username, password, duration=None, stop=None, seed=1,
        echo=print, report_every=10):
    """Register `devices` simulated agents and keep them beating until `duration` seconds or `stop` is set."""
    stats, stop = Stats(), stop or threading.Event()
    client = Client(url, stats)
    fleet = [SimulatedDevice(n, client, seed) for n in range(devices)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for failure in filter(None, pool.map(lambda d: _register(d, key, username, password), fleet)):
            raise failure
    echo(f"registered {devices} simulated devices; heartbeats every {fleet[0].interval} s")
    per_device = events_per_minute / 60 / max(devices, 1)
    registration = stats.summary().get("register")
    stats.samples.pop("register", None)
    ends = time.monotonic() + duration if duration else None
    threads = [threading.Thread(target=_live, args=(d, per_device, stop, ends), daemon=True) for d in fleet]
    for thread in threads:
        thread.start()
    try:
        while not stop.wait(report_every):
            if ends and time.monotonic() >= ends:
                break
            echo(_progress(stats))
    except KeyboardInterrupt:
        echo("stopping ...")
    stop.set()
    for thread in threads:
        thread.join(timeout=35)
    return stats, registration


def _register(device, key, username, password):
    try:
        device.register(key, username, password)
    except ProtocolError as error:
        return error
    return None


def _live(device, per_device, stop, ends):
    # Spread the fleet over one interval, as real devices that started at different times are.
    if stop.wait(device.rng.random() * device.interval):
        return
    while not stop.is_set() and (ends is None or time.monotonic() < ends):
        started = time.monotonic()
        try:
            device.beat(per_device)
        except ProtocolError:
            pass  # counted in the stats; a real agent retries on its next beat too
        stop.wait(max(0.0, device.interval - (time.monotonic() - started)))


def _progress(stats):
    rows = stats.summary()
    parts = [f"{kind}: {count} (p95 {p95:.0f} ms, {failed} failed)" for kind, (count, _m, p95, _x, failed)
             in rows.items()]
    return " · ".join(parts + [f"events stored: {stats.events}"])


def table(rows):
    """A Markdown table of a Stats summary."""
    lines = ["| request | count | median ms | p95 ms | max ms | failed |", "|---|---:|---:|---:|---:|---:|"]
    for kind, (count, median, p95, most, failed) in rows.items():
        lines.append(f"| {kind} | {count} | {median:.1f} | {p95:.1f} | {most:.1f} | {failed} |")
    return "\n".join(lines)
