"""The fixed set of commands the console may send. Nothing received is ever run as a program."""
from dataclasses import dataclass

from webconsole_agent import __version__

KNOWN = ("status", "settings", "scan", "restart", "version", "restore")
UNKNOWN_STATUS = 2


@dataclass(frozen=True)
class Outcome:
    output: str
    exit_status: int = 0
    restart: bool = False  # restart the agent once the result is posted


def run(name, agent, stop=None, arguments=""):
    """Carry out the command called `name` for `agent` (see Agent); anything else is refused with exit status 2."""
    if name == "status":
        return Outcome(agent.status_text())
    if name == "settings":
        return Outcome(agent.settings_text())
    if name == "scan":
        return Outcome(agent.scan(stop).summary())
    if name == "restart":
        return Outcome("restarting", restart=True)
    if name == "version":
        return Outcome(f"webconsole-agent {__version__}")
    if name == "restore":  # the arguments name a restore the console describes (GET /restores/<id>)
        text, ok = agent.restore(arguments, stop)
        return Outcome(text, 0 if ok else 1)
    return Outcome(f"unknown command; known commands: {', '.join(KNOWN)}", UNKNOWN_STATUS)
