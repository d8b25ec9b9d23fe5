"""The load simulator drives real HTTP requests through the agent protocol."""
import re
import threading

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.endpoints.server import free_port
from webconsole.demo import simulator
from webconsole.extensions import db
from webconsole.models import Device, FileEvent, Org


def test_simulated_agents_register_heartbeat_and_upload(app, world, console):
    with app.app_context():
        key = db.session.get(Org, world["platform"]).registration_key
    lines, stop = [], threading.Event()

    def echo(line):
        """Keep the progress line; stop once the devices beat six times and events were stored."""
        lines.append(line)
        beats = re.search(r"heartbeat: (\d+)", line)
        if beats and int(beats.group(1)) >= 6 and "events stored: 0" not in line:
            stop.set()

    deadline = threading.Timer(60, stop.set)  # a polled wait, not a fixed duration the machine must keep up with
    deadline.start()
    try:
        stats, registration = simulator.run(console.url, devices=3, events_per_minute=1200, key=key,
                                            username="user@acme.test", password=PASSWORD, stop=stop, echo=echo,
                                            report_every=0.2)
    finally:
        deadline.cancel()
    summary = stats.summary()
    assert registration[0] == 3 and registration[4] == 0
    assert summary["heartbeat"][0] >= 6 and summary["heartbeat"][4] == 0
    assert summary["file-events"][4] == 0 and stats.events > 0
    assert any("heartbeat:" in line for line in lines)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Device).where(Device.hostname.like("sim-%"))) == 3
        assert db.session.scalar(select(func.count()).select_from(FileEvent)) == stats.events
    assert "| heartbeat |" in simulator.table(summary)
    report = stats.report()
    beats = report["kinds"]["heartbeat"]
    assert beats["count"] == summary["heartbeat"][0] and beats["failed"] == 0
    assert beats["p50"] <= beats["p95"] <= beats["p99"] <= beats["max"]
    assert report["errors"] == [] and report["events"] == stats.events


def test_a_wrong_registration_key_is_reported(app, world, console):
    with pytest.raises(simulator.ProtocolError) as refused:
        simulator.run(console.url, devices=1, events_per_minute=0, key="AAAA-BBBB-CCCC-DDDD",
                      username="user@acme.test", password=PASSWORD, duration=1, echo=lambda line: None)
    assert refused.value.status == 403 and "unknown_registration_key" in refused.value.body


def test_refused_and_unanswered_requests_are_reported_with_their_status(app, world, console):
    stats = simulator.Stats()
    with pytest.raises(simulator.ProtocolError):
        simulator.Client(console.url, stats).call("heartbeat", "/heartbeat", {"backup": []}, auth="not-a:device")
    with pytest.raises(simulator.ProtocolError):  # nothing listens there: the request gets no answer
        simulator.Client(f"http://127.0.0.1:{free_port()}", stats).call("file-events", "/file-events", {"events": []})
    report = stats.report()
    assert report["kinds"]["heartbeat"]["failed"] == 1 and report["kinds"]["file-events"]["failed"] == 1
    refused, unanswered = sorted(report["errors"], key=lambda error: error["kind"], reverse=True)
    assert (refused["kind"], refused["status"], refused["count"]) == ("heartbeat", 401, 1)
    assert (unanswered["kind"], unanswered["status"], unanswered["count"]) == ("file-events", 0, 1)
    assert "refused" in unanswered["reason"].lower()


def test_the_report_gives_nearest_rank_percentiles():
    stats = simulator.Stats()
    for ms in range(100, 0, -1):
        stats.add("heartbeat", float(ms))
    assert stats.report()["kinds"]["heartbeat"] == {
        "count": 100, "p50": 50.0, "p95": 95.0, "p99": 99.0, "max": 100.0, "failed": 0}
