"""The load simulator drives real HTTP requests through the agent protocol."""
import re
import threading

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
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


def test_a_wrong_registration_key_is_reported(app, world, console):
    with pytest.raises(simulator.ProtocolError) as refused:
        simulator.run(console.url, devices=1, events_per_minute=0, key="AAAA-BBBB-CCCC-DDDD",
                      username="user@acme.test", password=PASSWORD, duration=1, echo=lambda line: None)
    assert refused.value.status == 403 and "unknown_registration_key" in refused.value.body
