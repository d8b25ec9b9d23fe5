"""Backing up with restic: one repository per destination of the backup plan.

After a complete scan, each destination's selection (the files of the backup sets that name it, the
console's exclusions applied by the scanner) is handed to `restic backup --files-from-verbatim`, so
restic's chunking, deduplication and encryption do the work and the console's regular-expression
exclusions keep their meaning. restic's JSON lines give the progress and the result, which the next
heartbeat reports per destination. Then the versions the settings no longer keep are forgotten and
pruned, unless the repository is append-only (legal hold).

The repository password follows the Keystore setting (webconsole.domain.keystore): the plan carries
it for a standard key; an archive password is the one its user set with `webconsole-agent
archive-password`; a custom key is made here once and never leaves the device.
"""
import json
import logging
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from dataclasses import asdict, dataclass

from webconsole_agent.state import utc_now

log = logging.getLogger(__name__)

RESTIC = "restic"
INSTALL_HINT = ("restic is not installed on this device: install it (Debian and Ubuntu: apt install restic; "
                "Fedora: dnf install restic; macOS: brew install restic; Windows: winget install restic.restic), "
                "and the next backup runs")
PROGRESS_EVERY = 1.0  # seconds between progress notes in the state while restic runs
ERROR_MAX = 500  # the console keeps this much of an error


@dataclass
class Outcome:
    """What one destination's latest backup run came to, as the heartbeat reports it."""
    status: str = ""  # running, completed, failed
    percent_complete: float = 0.0
    selected_files: int = 0
    selected_bytes: int = 0
    files_new: int = 0
    files_changed: int = 0
    bytes_new: int = 0
    archive_bytes: int = 0
    snapshot_id: str = ""
    error: str = ""
    last_backup: str | None = None
    last_completed_backup: str | None = None


def outcomes(state):
    """{destination guid: Outcome} of the latest runs."""
    return {guid: Outcome(**values) for guid, values in (state.get("backups") or {}).items()
            if isinstance(values, dict)}


def _note(state, guid, outcome):
    with state.transaction():
        found = state.get("backups") or {}
        found[guid] = asdict(outcome)
        state.put("backups", found)


class ResticError(Exception):
    """restic could not do what was asked; the message is restic's own, shortened."""


def repository_url(server, repository, guid, secret):
    """restic's REST repository for the plan's path on the agent's server, with the device's credentials."""
    base = urllib.parse.urlsplit(server.rstrip("/") + repository)
    credentials = f"{urllib.parse.quote(guid, safe='')}:{urllib.parse.quote(secret, safe='')}@"
    return "rest:" + urllib.parse.urlunsplit(base._replace(netloc=credentials + base.netloc))


class Restic:
    """restic against one repository; the password and the credentials go by environment, never argv."""

    def __init__(self, repository, password, cache_dir, binary=None, credentials=None):
        self.binary = binary or shutil.which(RESTIC)
        self.env = {**os.environ, "RESTIC_REPOSITORY": repository, "RESTIC_PASSWORD": password,
                    "RESTIC_CACHE_DIR": str(cache_dir), **_credentials(credentials)}
        for name in ("RESTIC_PASSWORD_FILE", "RESTIC_PASSWORD_COMMAND"):
            self.env.pop(name, None)

    def run(self, *arguments, on_line=None, stop=None):
        """Run `restic --json <arguments>`; (exit status, the last lines of stderr). `on_line(dict)` gets
        each JSON line of stdout as it comes; `stop` (an Event) ends restic early."""
        if not self.binary:
            raise ResticError(INSTALL_HINT)
        process = subprocess.Popen([self.binary, "--json", *arguments], env=self.env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        errors = []
        reader = threading.Thread(target=lambda: errors.extend(process.stderr), daemon=True)
        reader.start()
        for raw in process.stdout:
            if stop is not None and stop.is_set():
                process.terminate()
                break
            if on_line is None:
                continue
            try:
                line = json.loads(raw)
            except ValueError:
                continue
            if isinstance(line, dict):
                on_line(line)
        status = process.wait()
        reader.join(5)
        text = b"".join(errors[-20:]).decode("utf-8", "replace").strip()
        return status, text

    def ensure_repository(self):
        """Make the repository unless it exists."""
        status, text = self.run("cat", "config")
        if status == 0:
            return
        status, made = self.run("init")
        if status != 0 and "already exists" not in made and "already initialized" not in made:
            raise ResticError(_short(made or text or f"restic init exited with {status}"))


CREDENTIALS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION")


def _credentials(given):
    """The object storage key a plan entry hands over (`env`), and nothing else: a plan sets no other variable."""
    given = given if isinstance(given, dict) else {}
    return {name: str(given[name]) for name in CREDENTIALS if isinstance(given.get(name), str)}


def _short(text):
    lines = [line for line in text.splitlines() if line.strip()]
    return (lines[-1] if lines else text)[:ERROR_MAX]


def password_for(state, plan_entry, key_type):
    """The repository password: the plan's (standard), the user's archive password, or the device's own."""
    if key_type == "standard":
        return plan_entry.get("password")
    if key_type == "password":
        return state.get("archive_password")
    custom = state.get("custom_key")
    if not custom:
        custom = secrets.token_urlsafe(32)
        state.put("custom_key", custom)
    return custom


def back_up(state, registration, plan, selection, cache_dir, stop=None, sizes=None):
    """Back up each stored destination of `plan` ({"destinations", "key_type", "forget"}) with its
    `selection` ({destination guid: [paths]}; `sizes`: {guid: [files, bytes]} as the scan counted them);
    the Outcomes, also kept in the state."""
    done = {}
    known = outcomes(state)
    for entry in plan.get("destinations") or []:
        guid = str(entry.get("guid"))
        files = selection.get(guid, [])
        previous = known.get(guid, Outcome())
        outcome = Outcome(status="running", selected_files=len(files),
                          selected_bytes=(sizes or {}).get(guid, (0, 0))[1],
                          last_backup=utc_now(), last_completed_backup=previous.last_completed_backup,
                          archive_bytes=previous.archive_bytes)
        if not entry.get("repository"):
            outcome.status, outcome.error = "failed", str(entry.get("reason") or "no repository")[:ERROR_MAX]
        else:
            password = password_for(state, entry, plan.get("key_type"))
            if not password:
                outcome.status = "failed"
                outcome.error = "no archive password is set on this device: run webconsole-agent archive-password"
            else:
                url = entry["repository"]
                if url.startswith("/"):  # a path on the agent's own server: "This server"
                    url = repository_url(registration.server, url, registration.guid, registration.secret)
                _note(state, guid, outcome)
                restic = Restic(url, password, cache_dir, credentials=entry.get("env"))
                _run(restic, state, guid, outcome, files, entry, plan, stop)
        if outcome.status == "completed":
            outcome.percent_complete, outcome.last_completed_backup = 100.0, outcome.last_backup
        _note(state, guid, outcome)
        done[guid] = outcome
    return done


def _run(restic, state, guid, outcome, files, entry, plan, stop):
    """One destination's backup, then its forget and prune; the outcome updated in place."""
    try:
        restic.ensure_repository()
        restic.run("unlock")  # locks a killed restic (here or on the server) left behind, stale ones only
        if files:
            _backup(restic, state, guid, outcome, files, stop)
        else:
            outcome.status = "completed"
        if outcome.status == "completed" and plan.get("forget") and not entry.get("append_only"):
            arguments = ["forget", "--group-by", "host", *[str(a) for a in plan["forget"]], "--prune"]
            status, text = restic.run(*arguments, stop=stop)
            if status != 0:
                log.warning("restic forget for destination %s: %s", guid, _short(text))
        outcome.archive_bytes = _stored_bytes(restic) or outcome.archive_bytes
    except ResticError as e:
        outcome.status, outcome.error = "failed", str(e)[:ERROR_MAX]
    except OSError as e:
        outcome.status, outcome.error = "failed", f"restic could not run: {e}"[:ERROR_MAX]


def _backup(restic, state, guid, outcome, files, stop):
    last_note = [0.0]

    def seen(line):
        kind = line.get("message_type")
        if kind == "status":
            outcome.percent_complete = round(min(max(float(line.get("percent_done") or 0), 0.0), 1.0) * 100, 1)
            if time.monotonic() - last_note[0] >= PROGRESS_EVERY:
                last_note[0] = time.monotonic()
                _note(state, guid, outcome)
        elif kind == "summary":
            outcome.files_new = int(line.get("files_new") or 0)
            outcome.files_changed = int(line.get("files_changed") or 0)
            outcome.bytes_new = int(line.get("data_added") or 0)
            outcome.snapshot_id = str(line.get("snapshot_id") or "")[:64]
        elif kind == "error":
            error = line.get("error") or {}
            message = error.get("message") if isinstance(error, dict) else str(error)
            outcome.error = f"{line.get('item') or ''}: {message}".strip(": ")[:ERROR_MAX]

    with tempfile.NamedTemporaryFile("wb", prefix="webconsole-backup-", delete=False) as listing:
        for path in files:
            listing.write(os.fsencode(path) + b"\n")
    try:
        status, text = restic.run("backup", "--files-from-verbatim", listing.name, "--host", socket.gethostname(),
                                  "--tag", "webconsole", on_line=seen, stop=stop)
    finally:
        os.unlink(listing.name)
    if stop is not None and stop.is_set():
        outcome.status, outcome.error = "failed", "the backup was stopped with the agent; it resumes at the next run"
    elif status == 0 or (status == 3 and outcome.snapshot_id):  # 3: some files could not be read
        outcome.status = "completed"
    else:
        outcome.status, outcome.error = "failed", _short(text) or f"restic backup exited with {status}"


def _stored_bytes(restic):
    """The repository's size as restic counts it (its packs), or 0 when it cannot tell."""
    found = {}
    status, _text = restic.run("stats", "--mode", "raw-data", on_line=found.update)
    return int(found.get("total_size") or 0) if status == 0 else 0


def restore(state, registration, plan, spec, cache_dir, stop=None):
    """Run `restic restore` for the console's restore `spec` ({"snapshot", "paths", "target", "conflict"})
    from the plan's repository on this server; (what happened, succeeded)."""
    stored = [d for d in plan.get("destinations") or () if d.get("repository")]
    chosen = [d for d in stored if str(d.get("guid")) == str(spec.get("destination"))]
    entry = (chosen or stored or [None])[0]
    paths = [p for p in spec.get("paths") or () if isinstance(p, str) and p.startswith("/")]
    snapshot = str(spec.get("snapshot") or "")
    if entry is None or not paths or not snapshot.isalnum():
        return "nothing to restore: no repository, version or path", False
    password = password_for(state, entry, plan.get("key_type"))
    if not password:
        return "no archive password is set on this device: run webconsole-agent archive-password", False
    url = entry["repository"]
    if url.startswith("/"):
        url = repository_url(registration.server, url, registration.guid, registration.secret)
    target = str(spec.get("target") or "") or os.path.abspath(os.sep)
    if spec.get("conflict") != "overwrite":  # keep both: a new folder beside what is there
        target = os.path.join(target if spec.get("target") else os.path.expanduser("~"),
                              time.strftime("Restored %Y-%m-%d %H.%M.%S"))
    arguments = ["restore", snapshot, "--target", target]
    for path in paths:
        arguments += ["--include", path]
    try:
        status, text = Restic(url, password, cache_dir, credentials=entry.get("env")).run(*arguments, stop=stop)
    except (ResticError, OSError) as e:
        return str(e)[:ERROR_MAX], False
    if status != 0:
        return _short(text) or f"restic restore exited with {status}", False
    return f"restored {len(paths)} selected item(s) of version {snapshot[:8]} to {target}", True
