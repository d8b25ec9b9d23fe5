"""The agent protocol's request bodies as typed values (docs/agent-protocol.md): read at the door, so
the rules in domain/agents.py and domain/events.py receive values, not bodies."""
from typing import Annotated, Literal

from pydantic import Field, Strict

from webconsole.web.payloads import Moment, Payload, number, text, whole


class Registration(Payload):
    """POST /register: the registration key, the user's credentials and what the device is."""

    registration_key: text(32, required=True)
    username: text(255, required=True)
    password: text(1024, collapse=False, required=True)
    hostname: text(255, required=True)
    os: text(16, required=True)
    name: text(255) = ""
    os_version: text(64) = ""
    agent_version: text(32) = ""
    address: text(64) = ""


class BackupReport(Payload):
    """One destination's backup state in a heartbeat."""

    destination_guid: text(64, required=True)
    selected_files: whole() = 0
    selected_bytes: whole() = 0
    archive_bytes: whole() = 0
    percent_complete: number(0, 100) = 0
    last_backup: Moment = None
    last_completed_backup: Moment = None
    # What the backup engine said of the latest run (absent from agents before real backups).
    status: Literal["", "running", "completed", "failed"] | None = None
    files_new: whole() | None = None
    files_changed: whole() | None = None
    bytes_new: whole() | None = None
    error: text(500) | None = None
    snapshot_id: text(64) | None = None


class Heartbeat(Payload):
    """POST /heartbeat: every field optional; the texts change the device only when sent."""

    agent_version: text(32) | None = None
    os_version: text(64) | None = None
    address: text(64) | None = None
    backup: Annotated[list[BackupReport], Strict(), Field(max_length=50)] = []


class FileEvents(Payload):
    """POST /file-events: the envelope only. The events themselves go to the tuned parser every door shares
    (events.parse_batch), which refuses a bad one naming its index and field at a fraction of a model's cost."""

    events: Annotated[list, Strict()]


class CommandResult(Payload):
    """POST /commands/<id>/result: what the command printed and its exit status."""

    output: text(65536, collapse=False) = ""
    exit_status: whole(-(2**31), 2**31 - 1) = 0
