"""The agent's conversation with the server: registration, heartbeats, uploads, commands, client version."""
import logging
from dataclasses import asdict

from webconsole_agent import __version__, backup, commands, report, scanner, settings, system, upload
from webconsole_agent.client import ApiError, Client, Unreachable
from webconsole_agent.exposure import Classifier
from webconsole_agent.state import utc_now

log = logging.getLogger(__name__)

MAX_OUTPUT = 65536
MAX_DESTINATIONS = 50
DEFAULT_HEARTBEAT = 60


class RegistrationFailed(Exception):
    """The device cannot register (refused, or credentials missing); the message says why."""


class Refused(Exception):
    """The server will not talk to this device (blocked, deactivated or unknown); heartbeats go on slowly."""


def _server(url):
    return url.rstrip("/")


class Agent:
    """The agent's work over one State: each thread makes its own Agent over its own State."""

    def __init__(self, config, state):
        self.config, self.state = config, state
        self.refused_report = None  # destinations of a backup report the server refused

    # Registration

    def registration(self):
        """The registration in use, or None (also when the configured server is not the registered one)."""
        registration = self.state.registration()
        if registration and self.config.server and _server(self.config.server) != registration.server:
            return None
        return registration

    def client(self):
        """A client for the registered (else the configured) server, with the device's credentials."""
        registration = self.registration()
        if registration:
            return Client(registration.server, (registration.guid, registration.secret))
        return Client(self.config.server)

    def ensure_registered(self):
        """Register unless a registration for the configured server is stored."""
        if self.registration() is None:
            self.register()

    def register(self):
        """POST /register with the configured key and credentials; RegistrationFailed or Unreachable otherwise."""
        c = self.config
        if not c.server:
            raise RegistrationFailed("no server to register with: use --server or the configuration file")
        if not (c.registration_key and c.username):
            raise RegistrationFailed("registering needs a registration key and a username "
                                     "(--registration-key, --username or the configuration file)")
        password = c.registration_password()
        if not password:
            raise RegistrationFailed("registering needs the user's password: use --password, "
                                     "WEBCONSOLE_AGENT_PASSWORD or the configuration file")
        hostname = system.hostname()
        payload = {"registration_key": c.registration_key, "username": c.username, "password": password,
                   "hostname": hostname, "name": c.name or hostname, "os": system.os_name(),
                   "os_version": system.os_version(), "agent_version": __version__,
                   "address": system.primary_address()}
        try:
            answer = Client(c.server).register(payload)
        except ApiError as e:
            raise RegistrationFailed(f"registration refused ({e.code}): {e.message}") from None
        guid, secret = answer.get("guid"), answer.get("secret")
        if not (isinstance(guid, str) and isinstance(secret, str) and guid and secret):
            raise Unreachable("the registration answer holds no guid and secret")
        with self.state.transaction():
            self.state.save_registration(guid, secret, _server(c.server))
            self.state.put("refused", None)
            self._take_answer(answer)
        log.info("registered with %s as device %s", _server(c.server), guid)

    def _refusal(self, error):
        """React to a 401/403 from a device call: register again if deauthorized, else raise Refused."""
        if error.code == "device_deauthorized":
            log.warning("the server deauthorized this device; registering again")
            self.state.clear_registration()
            self.register()
            return
        if error.status not in (401, 403):
            raise error
        if self.state.get("refused") != error.code:
            log.error("the server refuses this device (%s): %s; retrying slowly", error.code, error.message)
            self.state.put("refused", error.code)
        raise Refused(error.code)

    def refused(self):
        """Did the server refuse this device at the last call?"""
        return bool(self.state.get("refused"))

    # Heartbeat

    def effective_settings(self):
        """{group: {key: Effective}}: the server's last settings merged with the user's own changes."""
        return settings.effective(self.state.get("settings", {}), self.state.overrides())

    def heartbeat_seconds(self):
        """Seconds between heartbeats, as the server last said."""
        return self.state.get("heartbeat_seconds", DEFAULT_HEARTBEAT)

    def scan_seconds(self):
        """Seconds between scans: --scan-seconds, else backup.frequency_minutes."""
        return self.config.scan_seconds or settings.scan_seconds(self.effective_settings())

    def backup_report(self):
        """The heartbeat's `backup` list: one entry per destination of the effective backup sets, with
        what its latest backup run came to (backup.Outcome); before any, what the last scan selected."""
        destinations = dict.fromkeys(d for s in settings.backup_sets(self.effective_settings()) for d in s.destinations)
        last = self.state.get("last_scan")
        runs = backup.outcomes(self.state)
        entries = []
        for destination in list(destinations)[:MAX_DESTINATIONS]:
            entry = {"destination_guid": str(destination), "selected_files": 0, "selected_bytes": 0,
                     "percent_complete": 0}
            if last:
                files, size = last["destinations"].get(str(destination), (0, 0))
                entry.update(selected_files=files, selected_bytes=size)
            run = runs.get(str(destination))
            if run is not None:
                entry.update({key: value for key, value in asdict(run).items() if value is not None})
            entries.append(entry)
        return entries

    def _take_answer(self, answer):
        if isinstance(answer.get("settings"), dict):
            self.state.put("settings", answer["settings"])
        seconds = answer.get("heartbeat_seconds")
        if isinstance(seconds, int) and not isinstance(seconds, bool):
            self.state.put("heartbeat_seconds", min(max(seconds, 1), 86400))

    def heartbeat(self):
        """POST /heartbeat; keeps the settings and returns the commands of the answer. Raises Unreachable, Refused."""
        report = self.backup_report()
        destinations = [entry["destination_guid"] for entry in report]
        payload = {"agent_version": __version__, "os_version": system.os_version(),
                   "address": system.primary_address()}
        if destinations != self.refused_report:
            payload["backup"] = report
        try:
            try:
                answer = self.client().heartbeat(payload)
            except ApiError as e:
                if e.status != 400 or "backup" not in payload or not str(e.field or "").startswith("backup"):
                    raise
                log.warning("the server refused the backup report (%s); heartbeats go without it until the "
                            "backup sets' destinations change", e.message)
                self.refused_report = destinations
                del payload["backup"]
                answer = self.client().heartbeat(payload)
        except ApiError as e:
            self._refusal(e)
            return []
        with self.state.transaction():
            if self.state.get("refused"):
                log.info("the server accepts this device again")
                self.state.put("refused", None)
            self.state.put("last_heartbeat", utc_now())
            self._take_answer(answer)
        received = answer.get("commands")
        return [c for c in received if isinstance(c, dict)] if isinstance(received, list) else []

    # File events

    def scan(self, stop=None):
        """Scan the effective backup sets now and queue the events; the ScanResult."""
        merged = self.effective_settings()
        classifier = Classifier(folders=self.config.removable_media)
        sets = settings.backup_sets(merged)
        # Removable media are watched whatever the backup sets hold: a copy to a USB stick is the file
        # event an investigator most wants. Their set has no destination, so it is never backed up.
        mounts = tuple(mount.root for mount in classifier.mounts)
        if mounts:
            sets.append(settings.BackupSet("removable media", mounts, (), ()))
        result = scanner.scan(self.state, sets, settings.exclusion_patterns(merged),
                              classifier, always_excluded=[str(self.config.state_dir)], stop=stop)
        changed = result.created or result.modified or result.deleted or not result.complete
        log.log(logging.INFO if changed else logging.DEBUG, "%s", result.summary())
        return result

    def backup(self, result, stop=None):
        """Back up what a complete scan selected, to each destination of the server's backup plan; the
        {destination: backup.Outcome} of the runs, or None when there was nothing to do or no plan."""
        registration = self.registration()
        if registration is None or not result.complete:
            return None
        runs = backup.outcomes(self.state)
        changed = result.created or result.modified or result.deleted
        if not changed and runs and all(run.status == "completed" for run in runs.values()):
            return None  # nothing new since every destination's last complete backup
        try:
            plan = self.client().backup_plan()
        except (Unreachable, ApiError) as e:
            log.warning("no backup now: the backup plan could not be had (%s)", e)
            return None
        done = backup.back_up(self.state, registration, plan, result.selection,
                              self.config.state_dir / "restic-cache", stop, sizes=result.destinations)
        for guid, run in done.items():
            log.log(logging.INFO if run.status == "completed" else logging.WARNING, "backup to %s: %s%s", guid,
                    run.status, f" ({run.error})" if run.error else "")
        return done

    def restore(self, restore_id, stop=None):
        """Restore what the console's restore `restore_id` names, with restic; (what happened, succeeded)."""
        registration = self.registration()
        if registration is None or not restore_id.strip().isdigit():
            return "no such restore", False
        try:
            spec = self.client().call("GET", f"/restores/{int(restore_id)}")[1]
            plan = self.client().backup_plan()
        except (Unreachable, ApiError) as e:
            return f"the restore could not be read from the console: {e}", False
        return backup.restore(self.state, registration, plan, spec, self.config.state_dir / "restic-cache", stop)

    def send_batch(self):
        """Send the oldest batch of the outbox (see upload.send_batch). Raises Unreachable, Refused, ApiError."""
        try:
            return upload.send_batch(self.state, self.client(), self.config.batch_size)
        except ApiError as e:
            if e.status in (401, 403):
                self._refusal(e)
                return 0
            raise

    # Commands and client version

    def status_text(self):
        """The `status` command's output."""
        return report.status_text(self.state)

    def settings_text(self):
        """The `settings` command's output."""
        return report.settings_text(self.state)

    def answer_command(self, command, stop=None):
        """Carry out one command from a heartbeat and post its result; the commands.Outcome."""
        name = command.get("command")
        outcome = commands.run(name, self, stop, str(command.get("arguments") or ""))
        log.info("command %s %r: exit status %d", command.get("id"), name, outcome.exit_status)
        try:
            self.client().post_result(command.get("id"), outcome.output[:MAX_OUTPUT], outcome.exit_status)
        except (Unreachable, ApiError, TypeError, ValueError) as e:
            log.warning("could not post the result of command %s: %s", command.get("id"), e)
        return outcome

    def check_version(self):
        """GET /client-version and log when the server offers a newer agent (the agent never updates itself)."""
        answer = self.client().client_version()
        if answer.get("update"):
            notes = f": {answer['notes']}" if answer.get("notes") else ""
            log.info("agent version %s is offered (this is %s)%s", answer.get("version"), __version__, notes)
        else:
            log.debug("no agent update offered")
