"""The console under fleet load: simulated agents and browsing users at once, as production serves them.

    PYTHONPATH=. .venv/bin/python bench/load.py --minutes 10 --agents 500 --users 50 [--database-url URL]

1. Database: --database-url, else instance/bench-load.db (SQLite). When empty it is filled once by
   `flask demo` at fleet size (--demo-users, --demo-devices, --demo-events) and reused after;
   `flask setup` runs on it first each time, as on every deploy. Each run registers --agents new
   devices into it (sim-00000 ...).
2. The console as the README's production section runs it: gunicorn (--workers, --threads) and the
   job worker (`flask worker`) beside it, both on loopback. First, the same kinds of request are
   timed one at a time (one browsing user without pauses, then one agent): the "alone" figures,
   which say what the machine gives that hour, and which the loaded p95 is divided by.
3. Agents: webconsole.demo.simulator, the code behind `flask simulate`, in this process: --agents
   devices register, then heartbeat every --heartbeat seconds and upload --events-per-minute file
   events in all with their heartbeats, for --minutes.
4. Browsing: Locust, headless (bench/locustfile.py; the `bench` extra), --users people signing in as
   the demo accounts at --spawn-rate a second, browsing for the same --minutes once the agents
   have registered.

Latencies are measured by the clients (they include queueing in the server and the clients' own
share of the two cores). Prints Markdown tables for docs/benchmarks.md: each kind of request's
count, rate and p50/p95/p99, the errors, the budgets, the CPU time of each process and the load.
"""
import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from webconsole import create_app  # noqa: E402
from webconsole.demo import simulator  # noqa: E402
from webconsole.demo.data import database_is_empty  # noqa: E402
from webconsole.extensions import db  # noqa: E402
from webconsole.models import User  # noqa: E402

AGENT_USER = "user@example.com"


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT}/instance/bench-load.db")
    parser.add_argument("--demo-users", type=int, default=100_000)
    parser.add_argument("--demo-devices", type=int, default=200_000)
    parser.add_argument("--demo-events", type=int, default=1_000_000)
    parser.add_argument("--heartbeat", type=int, default=60, help="seconds between an agent's heartbeats")
    parser.add_argument("--events-per-minute", type=int, default=None, help="all agents together (6 per agent)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (README: --workers 4)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--spawn-rate", type=float, default=5, help="browsing users signing in per second")
    parser.add_argument("--think", default="2,8", help="seconds a user thinks between two visits: min,max")
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    parser.add_argument("--json", help="also write every figure to this file")
    return parser.parse_args()


def main():
    args = arguments()
    args.events_per_minute = args.events_per_minute if args.events_per_minute is not None else args.agents * 6
    env = {**os.environ, "DATABASE_URL": args.database_url, "PYTHONPATH": ROOT,
           "WEBCONSOLE_AGENT_HEARTBEAT_SECONDS": str(args.heartbeat)}
    password = env.get("WEBCONSOLE_DEMO_PASSWORD", "webconsole-demo")
    key = prepare_database(args, env)
    port = args.port or free_port()
    url = f"http://127.0.0.1:{port}"
    logs = tempfile.mkdtemp(prefix="bench-load-")
    console = start([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
                     "--threads", str(args.threads), "wsgi:app"], env, f"{logs}/console.log")
    worker = start([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], env, f"{logs}/worker.log")
    try:
        wait_until_up(url, console)
        alone = baseline(args, url, key, password, logs)
        agents = run_agents(args, url, key, password)
        load_before = os.getloadavg()
        print(f"browsing: {args.users} users for {args.minutes} min; load average {fmt_load(load_before)}",
              file=sys.stderr)
        started, cpu_before = time.monotonic(), cpu_now(console, worker)
        browsing = run_browsing(args, url, logs)
        agents.stop.set()
        agents.join()
        cpu = {name: seconds - cpu_before[name] for name, seconds in cpu_now(console, worker).items()}
        window = time.monotonic() - started
        cpu["Locust"] = browsing.pop("cpu")
        cpu["everything else on the machine"] = cpu.pop("machine") - sum(cpu.values())
        load_after = os.getloadavg()
    finally:
        stop(console)
        stop(worker)
    server_errors = count_server_errors(f"{logs}/console.log")
    figures = {"window_seconds": window, "load_before": load_before, "load_after": load_after,
               "registration": agents.registration, "agents": agents.stats.report(), "browsing": browsing,
               "server_errors": server_errors, "alone": alone, "cpu_seconds": cpu, "args": vars(args)}
    print(report(figures))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(figures, out, indent=1)
    if server_errors:
        print(f"the console logged errors; its log is kept: {logs}/console.log", file=sys.stderr)
    else:
        shutil.rmtree(logs)


def prepare_database(args, env):
    """Migrate (as `flask setup` on every deploy), fill an empty database once; the agents' registration key."""
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run(flask + ["setup"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.database_url})
    with app.app_context():
        empty = database_is_empty()
    if empty:
        print(f"building the demo database at fleet size: {args.demo_users} users, {args.demo_devices} devices, "
              f"{args.demo_events} file events (once)", file=sys.stderr)
        subprocess.run(flask + ["demo", "--users", str(args.demo_users), "--devices", str(args.demo_devices),
                                "--events", str(args.demo_events)], cwd=ROOT, env=env, check=True, stdout=sys.stderr)
    with app.app_context():
        key = db.session.scalar(db.select(User).where(User.username == AGENT_USER)).org.registration_key
        db.session.remove()
        db.engine.dispose()
    return key


class Agents(threading.Thread):
    """The simulated fleet in a thread of its own: registration first, then heartbeats until `stop`."""

    def __init__(self, args, url, key, password):
        super().__init__(daemon=True)
        self.args, self.url, self.key, self.password = args, url, key, password
        self.stop, self.registered = threading.Event(), threading.Event()
        self.stats, self.registration, self.failure = None, None, None

    def run(self):
        try:
            # A margin past the window: the browsing's end stops the fleet, so both cover the same minutes.
            self.stats, self.registration = simulator.run(
                self.url, self.args.agents, self.args.events_per_minute, self.key, AGENT_USER, self.password,
                duration=self.args.minutes * 60 + 120, stop=self.stop, echo=self.echo, report_every=30)
        except simulator.ProtocolError as error:
            self.failure = error
        finally:
            self.registered.set()

    def echo(self, line):
        print(f"agents: {line}", file=sys.stderr)
        if line.startswith("registered "):
            self.registered.set()


def run_agents(args, url, key, password):
    """Register the fleet before the measured window (each registration checks an Argon2 password)."""
    print(f"registering {args.agents} simulated agents ...", file=sys.stderr)
    agents = Agents(args, url, key, password)
    agents.start()
    agents.registered.wait()
    if agents.failure:
        raise SystemExit(f"the console refused the simulated agents: {agents.failure}")
    return agents


def baseline(args, url, key, password, logs, seconds=45):
    """The same requests one at a time, nothing else of ours running: what load multiplies (same machine, same hour).

    One browsing user without pauses for `seconds`, then one agent's heartbeats with their uploads, in turn.
    """
    print(f"baseline: one browsing user for {seconds} s, then one agent's 40 heartbeats", file=sys.stderr)
    browsing = run_browsing(argparse.Namespace(**{**vars(args), "users": 1, "minutes": seconds / 60}), url, logs,
                            think="0,0", read="0,0")
    browsing.pop("cpu")
    stats = simulator.Stats()
    device = simulator.SimulatedDevice(0, simulator.Client(url, stats), seed=7)
    device.hostname = "sim-baseline"
    device.register(key, AGENT_USER, password)
    started = time.monotonic()
    for _ in range(40):
        device.beat(args.events_per_minute / 60 / max(args.agents, 1))  # the upload each agent sends
    return {"browsing": browsing, "browsing_seconds": seconds, "agents": stats.report(),
            "agents_seconds": time.monotonic() - started}


def run_browsing(args, url, logs, think=None, read="0.5,2"):
    """Locust, headless, for --minutes: {"samples": [[name, ms, ok]], "errors": [...], "cpu": seconds}."""
    samples = f"{logs}/browsing.json"
    env = {**os.environ, "LOAD_SAMPLES": samples, "LOAD_THINK_SECONDS": think or args.think,
           "LOAD_READ_SECONDS": read}
    before = cpu_seconds(resource.RUSAGE_CHILDREN)
    with open(f"{logs}/locust.log", "wb") as log:
        subprocess.run([sys.executable, "-m", "locust", "-f", os.path.join(ROOT, "bench", "locustfile.py"),
                        "--headless", "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
                        "--run-time", f"{round(args.minutes * 60)}s", "--stop-timeout", "10", "--host", url,
                        "--only-summary", "--loglevel", "WARNING"], cwd=ROOT, env=env, stdout=log, stderr=log)
    cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - before
    if not os.path.exists(samples):
        raise SystemExit(f"Locust wrote no samples; see {logs}/locust.log")
    with open(samples) as found:
        return {**json.load(found), "cpu": cpu}


def free_port():
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(command, env, log_path):
    with open(log_path, "wb") as log:
        # Its own process group, so stopping it takes gunicorn's workers along.
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log, start_new_session=True)


def wait_until_up(url, console, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/auth/signin", timeout=5).close()
            return
        except OSError:
            if console.poll() is not None:
                raise SystemExit(f"the console exited with {console.returncode}") from None
            time.sleep(0.2)
    raise SystemExit(f"the console did not answer within {seconds} s")


def stop(process):
    """SIGTERM to the process group, and wait."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def cpu_now(console, worker):
    """CPU seconds used so far by the console's and the worker's process groups, this process and the machine."""
    groups = {console.pid: 0.0, worker.pid: 0.0}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # not a process, or it ended meanwhile
        group = int(fields[2])
        if group in groups:
            groups[group] += (int(fields[11]) + int(fields[12])) / tick
    with open("/proc/stat") as stat:
        jiffies = [int(x) for x in stat.readline().split()[1:]]
    busy = (sum(jiffies) - jiffies[3] - jiffies[4]) / tick  # all but idle and iowait
    return {"console (gunicorn)": groups[console.pid], "job worker": groups[worker.pid],
            "simulated agents (this process)": cpu_seconds(resource.RUSAGE_SELF), "machine": busy}


def cpu_seconds(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def count_server_errors(log_path):
    """Tracebacks and [ERROR] lines gunicorn logged (a 500 logs one; a worker killed on timeout too)."""
    with open(log_path, errors="replace") as log:
        return sum(1 for line in log if "Traceback" in line or "[ERROR]" in line or "[CRITICAL]" in line)


def fmt_load(load):
    return " / ".join(f"{x:.2f}" for x in load)


# What each browsing request is, by the first word of its Locust name (bench/locustfile.py).
BROWSING_KINDS = [
    ("list page, full (Devices, Users, Organizations, Forensic Search, Audit Log)", ("page",), "list"),
    ("dashboard, full page", ("dashboard",), None),
    ("sort or search: the list's first rows, a fragment", ("sort", "search"), "list"),
    ("rows: the next page scrolled to, a fragment", ("rows",), "list"),
    ("lazy count, a fragment", ("count",), None),
    ("sign-in (form and Argon2 check, once per user)", ("sign-in",), None),
]


def browsing_kind(name):
    return "dashboard" if name == "page dashboard" else name.split()[0]


def stats_row(values, failed, window):
    ordered = sorted(values)
    if not ordered:
        return None
    pick = simulator.percentile
    return {"count": len(ordered), "per_second": len(ordered) / window, "p50": pick(ordered, 0.5),
            "p95": pick(ordered, 0.95), "p99": pick(ordered, 0.99), "max": ordered[-1], "failed": failed}


def browsing_rows(browsing, window):
    """{label: stats} per kind of browsing request, and one for every list request together."""
    by_kind, failed = {}, {}
    for name, ms, ok in browsing["samples"]:
        kind = browsing_kind(name)
        by_kind.setdefault(kind, []).append(ms)
        failed[kind] = failed.get(kind, 0) + (not ok)
    rows, lists, lists_failed = {}, [], 0
    for label, kinds, group in BROWSING_KINDS:
        values = [ms for kind in kinds for ms in by_kind.get(kind, [])]
        row = stats_row(values, sum(failed.get(kind, 0) for kind in kinds), window)
        if row:
            rows[label] = row
        if group == "list":
            lists += values
            lists_failed += row["failed"] if row else 0
    rows["every list request (page, sort, search, rows)"] = stats_row(lists, lists_failed, window)
    return rows


def per_list_rows(browsing, window):
    names = {}
    for name, ms, ok in browsing["samples"]:
        names.setdefault(name, ([], [0]))
        names[name][0].append(ms)
        names[name][1][0] += not ok
    return {name: stats_row(values, failed[0], window) for name, (values, failed) in sorted(names.items())}


def table(rows, first="request", alone=None):
    """Markdown rows of stats; with `alone`, the same kinds measured one at a time and the p95 ratio."""
    more = " p50 ms alone | p95 ms alone | p95 / alone |" if alone is not None else ""
    lines = [f"| {first} | count | per s | p50 ms | p95 ms | p99 ms | max ms | failed |{more}",
             "|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" * 3 if more else "")]
    for label, row in rows.items():
        if row:
            line = (f"| {label} | {row['count']} | {row['per_second']:.1f} | {row['p50']:.0f} | {row['p95']:.0f} "
                    f"| {row['p99']:.0f} | {row['max']:.0f} | {row['failed']} |")
            if alone is not None:
                base = alone.get(label)
                line += (f" {base['p50']:.0f} | {base['p95']:.0f} | {row['p95'] / max(base['p95'], 0.1):.1f} |"
                         if base else " | | |")
            lines.append(line)
    return "\n".join(lines)


def agent_rows(report, window):
    names = {"heartbeat": "heartbeat", "file-events": "file-events upload"}
    return {names.get(kind, kind): {**row, "per_second": row["count"] / window}
            for kind, row in report["kinds"].items()}


def report(f):
    """Markdown for docs/benchmarks.md."""
    args, window = f["args"], f["window_seconds"]
    agents = agent_rows(f["agents"], window)
    browsing = browsing_rows(f["browsing"], window)
    alone = {**{f"browsing: {label}": row for label, row in browsing_rows(f["alone"]["browsing"],
                                                                          f["alone"]["browsing_seconds"]).items()
                 if not label.startswith("sign-in")},  # one sign-in alone: nothing to compare with
             **{f"agent: {label}": row for label, row in agent_rows(f["alone"]["agents"],
                                                                    f["alone"]["agents_seconds"]).items()}}
    lists = browsing["every list request (page, sort, search, rows)"]
    beats = agents.get("heartbeat")
    browsing_errors = sum(count for _name, _what, count in f["browsing"]["errors"])
    agent_errors = sum(error["count"] for error in f["agents"]["errors"])
    total = sum(row["count"] for row in agents.values()) + len(f["browsing"]["samples"])
    out = [f"{args['minutes']:g} minutes: {args['agents']} agents (heartbeat every {args['heartbeat']} s, "
           f"{args['events_per_minute']} file events a minute in all), {args['users']} browsing users "
           f"(think {args['think']} s between visits), gunicorn {args['workers']} workers x {args['threads']} "
           f"thread(s). Load average (1/5/15 min) {fmt_load(f['load_before'])} at the start, "
           f"{fmt_load(f['load_after'])} at the end. \"Alone\": the same kinds of request one at a time "
           "just before (one browsing user without pauses, then one agent), on the same machine.", ""]
    out.append(table({**{f"browsing: {label}": row for label, row in browsing.items()},
                      **{f"agent: {label}": row for label, row in agents.items()}}, alone=alone))
    out += ["", f"All requests: {total} in {window:.0f} s, {total / window:.1f} per second. Registration "
            f"(before the window, once per agent): p50 {f['registration'][1]:.0f} ms, p95 "
            f"{f['registration'][2]:.0f} ms, {f['registration'][4]} failed." if f["registration"] else "", ""]
    checks = [("0 errors", browsing_errors + agent_errors + f["server_errors"] == 0,
               f"{browsing_errors} browsing, {agent_errors} agent, {f['server_errors']} logged by the console"),
              ("list p95 <= 150 ms", lists and lists["p95"] <= 150, f"{lists['p95']:.0f} ms" if lists else "none"),
              ("heartbeat p95 <= 100 ms", beats and beats["p95"] <= 100, f"{beats['p95']:.0f} ms" if beats else "none")]
    out += ["| budget | result | measured |", "|---|---|---|"]
    out += [f"| {name} | {'met' if ok else 'MISSED'} | {measured} |" for name, ok, measured in checks]
    errors = [(f"browsing: {name}", what, count) for name, what, count in f["browsing"]["errors"]]
    errors += [(f"agent: {e['kind']}", f"HTTP {e['status']}: {e['reason']}", e["count"]) for e in f["agents"]["errors"]]
    if errors:
        out += ["", "| request | error | count |", "|---|---|---:|"]
        out += [f"| {name} | {what.replace('|', '/')} | {count} |" for name, what, count in errors[:20]]
    out += ["", table(per_list_rows(f["browsing"], window), first="browsing request, by list"), ""]
    cores = os.cpu_count()
    out += [f"| process | CPU s | share of the {cores} cores over the window |", "|---|---:|---:|"]
    out += [f"| {name} | {seconds:.0f} | {seconds / window / cores:.0%} |"
            for name, seconds in f["cpu_seconds"].items()]
    return "\n".join(out)


if __name__ == "__main__":
    main()
