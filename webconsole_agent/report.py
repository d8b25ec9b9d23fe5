"""What the agent tells its user and the console about itself (the `status` and `settings` commands)."""
from webconsole_agent import __version__, settings


def status_text(state):
    """Registration, server, last heartbeat, last scan and the outbox, one fact a line. Never the secret."""
    registration = state.registration()
    lines = [f"webconsole-agent {__version__}"]
    if registration:
        lines.append(f"registered: yes, device {registration.guid}")
        lines.append(f"server: {registration.server}")
    else:
        lines.append("registered: no")
    refused = state.get("refused")
    if refused:
        lines.append(f"refused by the server: {refused}")
    heartbeat = state.get("last_heartbeat")
    lines.append(f"last heartbeat: {heartbeat or 'never'} (every {state.get('heartbeat_seconds', 60)} s)")
    scan = state.get("last_scan")
    if scan:
        lines.append(f"last scan: {scan['at']}: {scan['files']} files, {scan['bytes']} bytes; {scan['created']} "
                     f"created, {scan['modified']} modified, {scan['deleted']} deleted")
    else:
        lines.append("last scan: never")
    lines.append(f"queued events: {state.queued_count()}")
    rejected = len(state.rejected())
    if rejected:
        lines.append(f"events refused by the server: {rejected}")
    lines.append(f"state: {state.path}")
    return "\n".join(lines)


def settings_text(state):
    """The effective settings with lock marks and the user's own changes, one a line."""
    lines = settings.describe(settings.effective(state.get("settings", {}), state.overrides()))
    return "\n".join(lines) if lines else "no settings received from the server yet"
