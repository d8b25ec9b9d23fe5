"""Opening the state file while another connection holds it: `status` and the daemon's threads wait, never fail."""
import sqlite3

from webconsole_agent import __main__ as cli
from webconsole_agent import state as state_module
from webconsole_agent.state import FILENAME, State


def status(state_dir, capsys):
    """Run `webconsole-agent status`; (exit status, output)."""
    code = cli.main(["--state-dir", str(state_dir), "status"])
    return code, capsys.readouterr().out


def test_status_waits_while_another_opener_writes_a_new_state_file(state_dir, monkeypatch, capsys):
    """A new file is not in WAL yet: switching it while another connection writes must wait, not say "locked"."""
    state_dir.mkdir()
    writer = sqlite3.connect(state_dir / FILENAME, isolation_level=None)
    writer.executescript(state_module.SCHEMA)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO meta (key, value) VALUES ('heartbeat_seconds', '30')")
    waits = []

    def writer_finishes(seconds):
        """The other connection commits while `status` waits for it."""
        waits.append(seconds)
        if writer.in_transaction:
            writer.execute("COMMIT")

    monkeypatch.setattr(state_module, "_pause", writer_finishes, raising=False)
    try:
        code, out = status(state_dir, capsys)
    finally:
        writer.close()
    assert code == 0 and "registered: no" in out and "every 30 s" in out
    assert waits, "status must have met the writer's lock"
    with State(state_dir) as state:
        assert state.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_status_reads_while_the_daemon_holds_a_write_transaction(state_dir, capsys):
    """`webconsole-agent status` beside a running daemon answers at once with what was committed."""
    with State(state_dir) as daemon:
        daemon.put("heartbeat_seconds", 45)
        with daemon.transaction():
            daemon.put("heartbeat_seconds", 90)
            code, out = status(state_dir, capsys)
    assert code == 0 and "every 45 s" in out

