"""Running the agent: once (--once) or as a daemon until SIGTERM/SIGINT.

The daemon's main thread registers, heartbeats, uploads and checks the client version; a worker
thread scans, backs up what the scan selected and carries out commands, so a long scan or backup
never delays a heartbeat (which reports the backup's progress). Each thread has its
own connection to the state.
"""
import logging
import queue
import threading
import time

from webconsole_agent.agent import Agent, Refused, RegistrationFailed
from webconsole_agent.client import ApiError, Unreachable
from webconsole_agent.state import State

log = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_QUEUED = 0, 1, 3
SLOW_RETRY = 600  # seconds between heartbeats while the server refuses the device
VERSION_CHECK = 86400
VERSION_RETRY = 3600


class Backoff:
    """Delays after consecutive failures: 1 s, doubling, at most 60 s."""

    def __init__(self, first=1, cap=60):
        self.first, self.cap, self.delay = first, cap, None

    def failed(self):
        """The delay before the next attempt."""
        self.delay = self.first if self.delay is None else min(self.delay * 2, self.cap)
        return self.delay

    def reset(self):
        """A call succeeded."""
        self.delay = None


def run_once(config):
    """Register if needed, heartbeat, scan, send everything queued.

    The exit status is 0 when nothing remains queued, 3 when events remain queued (or the device could not
    register) because the server could not be reached, 1 when the server refused the device or its registration.
    """
    with State(config.state_dir) as state:
        agent, refused = Agent(config, state), False
        try:
            agent.ensure_registered()
            refused = not _heartbeat_once(agent)
            result = agent.scan()
            while not refused and agent.send_batch():
                pass
            if not refused and agent.backup(result):
                refused = not _heartbeat_once(agent)  # the console hears how the backup went
        except RegistrationFailed as e:
            log.error("%s", e)
            return EXIT_FAILED
        except Unreachable as e:
            log.error("the server cannot be reached: %s", e)
        except Refused:
            refused = True
        except ApiError as e:
            log.error("the server refused a batch without naming an event: %s", e)
        if refused:
            return EXIT_FAILED
        if agent.registration() is None or state.queued_count():
            return EXIT_QUEUED
        return EXIT_OK


def _heartbeat_once(agent):
    """Heartbeat, answer the commands and check the client version; False if the server refuses the device."""
    try:
        for command in agent.heartbeat():
            agent.answer_command(command)  # a restart needs nothing more: this run ends anyway
        agent.check_version()
    except (Unreachable, ApiError) as e:
        log.warning("heartbeat: %s", e)
    except Refused:
        return False
    return True


class Worker(threading.Thread):
    """Scans and commands, one at a time, over the worker's own State."""

    def __init__(self, config, stop, wake, restart):
        super().__init__(name="webconsole-agent-worker")
        self.config, self.stop, self.wake, self.restart = config, stop, wake, restart
        self.jobs = queue.Queue()
        self.scan_queued = threading.Event()
        self.done = threading.Event()  # a job ended: events may wait in the outbox

    def request_scan(self):
        """Queue a scan unless one is waiting already."""
        if not self.scan_queued.is_set():
            self.scan_queued.set()
            self.jobs.put(None)

    def command(self, command):
        """Queue a command from a heartbeat."""
        self.jobs.put(command)

    def run(self):
        with State(self.config.state_dir) as state:
            agent = Agent(self.config, state)
            while not self.stop.is_set():
                try:
                    job = self.jobs.get(timeout=0.5)
                except queue.Empty:
                    continue
                try:
                    self._do(agent, job)
                except Exception:  # one failed job must not end the agent
                    log.exception("scan or command failed")

    def _do(self, agent, job):
        if job is None:
            self.scan_queued.clear()
            result = agent.scan(self.stop)
            self.done.set()  # the scan's events may go while the backup runs
            self.wake.set()
            agent.backup(result, self.stop)
        elif agent.answer_command(job, self.stop).restart:
            self.restart.set()
            self.stop.set()
        self.done.set()
        self.wake.set()


class Daemon:
    """The agent's main loop; run() returns an exit status, `restart` says whether to start again."""

    def __init__(self, config):
        self.config = config
        self.stop, self.wake, self.restart = threading.Event(), threading.Event(), threading.Event()

    def shutdown(self, *_signal):
        """Stop cleanly (a signal handler)."""
        self.stop.set()
        self.wake.set()

    def run(self):
        """Run until shutdown(); the exit status."""
        with State(self.config.state_dir) as state:
            agent = Agent(self.config, state)
            worker = Worker(self.config, self.stop, self.wake, self.restart)
            worker.start()
            try:
                return self._loop(agent, worker)
            except RegistrationFailed as e:
                log.error("%s", e)
                return EXIT_FAILED
            finally:
                self.shutdown()
                worker.join()
                log.info("stopped")

    def _loop(self, agent, worker):
        heartbeat_backoff, upload_backoff = Backoff(), Backoff()
        next_heartbeat = next_scan = next_upload = next_version = time.monotonic()
        while not self.stop.is_set():
            now = time.monotonic()
            if agent.registration() is None:
                try:
                    agent.register()
                    next_heartbeat = next_scan = next_version = now
                except Unreachable as e:
                    delay = heartbeat_backoff.failed()
                    log.warning("cannot register (%s); trying again in %d s", e, delay)
                    self._sleep(delay)
                    continue
            if now >= next_heartbeat:
                try:
                    for command in agent.heartbeat():
                        worker.command(command)
                    heartbeat_backoff.reset()
                    next_heartbeat = now + agent.heartbeat_seconds()
                except Unreachable as e:
                    delay = heartbeat_backoff.failed()
                    log.warning("heartbeat failed (%s); trying again in %d s", e, delay)
                    next_heartbeat = now + delay
                except Refused:
                    next_heartbeat = now + SLOW_RETRY
                except ApiError as e:
                    log.error("heartbeat refused: %s", e)
                    next_heartbeat = now + agent.heartbeat_seconds()
            if now >= next_version:
                next_version = now + self._check_version(agent)
            if now >= next_scan:
                worker.request_scan()
                next_scan = now + agent.scan_seconds()
            if worker.done.is_set():
                worker.done.clear()
                if upload_backoff.delay is None:
                    next_upload = now
            if now >= next_upload:  # while the device is refused, uploads wait for an accepted heartbeat
                next_upload = next_heartbeat if agent.refused() else now + self._upload(agent, upload_backoff)
            self._sleep(min(next_heartbeat, next_scan, next_upload, next_version) - time.monotonic())
        return EXIT_OK

    def _sleep(self, seconds):
        self.wake.wait(max(0, seconds))
        self.wake.clear()

    def _upload(self, agent, backoff):
        """Send one batch; seconds until the next attempt."""
        try:
            sent = agent.send_batch()
        except Unreachable as e:
            delay = backoff.failed()
            log.warning("cannot send events (%s); %d queued, trying again in %d s",
                        e, agent.state.queued_count(), delay)
            return delay
        except Refused:
            return SLOW_RETRY
        except ApiError as e:
            delay = backoff.failed()
            log.error("the server refused a batch without naming an event (%s); trying again in %d s", e, delay)
            return delay
        backoff.reset()
        return 0 if sent else agent.heartbeat_seconds()

    def _check_version(self, agent):
        """Check the client version; seconds until the next check."""
        try:
            agent.check_version()
        except (Unreachable, ApiError) as e:
            log.debug("client version check failed: %s", e)
            return VERSION_RETRY
        return VERSION_CHECK
