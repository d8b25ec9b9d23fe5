"""Commands from the console: a fixed set, answered with a result; nothing received ever reaches a shell."""
import os
import subprocess

import pytest

from webconsole_agent import __version__, commands
from webconsole_agent.agent import Agent
from webconsole_agent.state import State


@pytest.fixture(autouse=True)
def no_programs(monkeypatch):
    """Fail the test if anything tries to start a program."""
    def refuse(*args, **kwargs):
        raise AssertionError(f"a program was started: {args!r}")

    monkeypatch.setattr(subprocess, "Popen", refuse)
    for name in ("system", "popen", "execv", "execvp", "execl", "spawnv", "posix_spawn"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, refuse)


@pytest.fixture
def agent(config):
    with State(config.state_dir) as state:
        registered = Agent(config, state)
        registered.register()
        yield registered


def results(stub):
    return [(path.split("/")[-2], body) for _m, path, _h, body in stub.requests if path.endswith("/result")]


@pytest.mark.parametrize("text", ["rm -rf /", "status; reboot", "$(id)", "Status", "", None, "exec"])
def test_unknown_command_is_refused(agent, stub, text):
    outcome = agent.answer_command({"id": 5, "command": text, "arguments": "--force"})
    assert outcome.exit_status == 2 and not outcome.restart
    assert results(stub) == [("5", {"output": outcome.output, "exit_status": 2})]
    assert outcome.output.startswith("unknown command")


def test_known_commands_answer(agent, stub, home):
    (home / "a.txt").write_bytes(b"a")
    for n, name in enumerate(("version", "status", "settings", "scan", "restart")):
        agent.answer_command({"id": n, "command": name, "arguments": "ignored"})
    answered = dict(results(stub))
    assert answered["0"] == {"output": f"webconsole-agent {__version__}", "exit_status": 0}
    assert "registered: yes" in answered["1"]["output"]
    assert "backup.frequency_minutes = 15" in answered["2"]["output"]
    assert answered["3"]["output"].startswith("scanned 1 files: 0 created")
    assert answered["4"] == {"output": "restarting", "exit_status": 0}


def test_restart_is_asked_for_not_done(agent):
    assert commands.run("restart", agent) == commands.Outcome("restarting", 0, restart=True)


def test_status_never_shows_the_secret(agent, stub):
    from tests.agent.conftest import SECRET

    assert SECRET not in agent.status_text()
    assert SECRET not in repr(agent.state.registration())
