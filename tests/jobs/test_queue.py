"""Jobs outlive their worker: a real worker process is killed mid-job and another one finishes it."""
import os
import signal
import subprocess
import sys
import time

import pytest
from sqlalchemy import select

from webconsole import create_app
from webconsole.domain import jobs
from webconsole.extensions import db
from webconsole.models import Job

# Jobs run in app contexts or processes of their own, which must see committed data.
pytestmark = pytest.mark.committed

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def poll(read, until, deadline=60):
    """read() again until until(value) holds; the value, or a failure naming the last one at the deadline."""
    end = time.monotonic() + deadline
    while True:
        value = read()
        if until(value):
            return value
        if time.monotonic() > end:
            pytest.fail(f"Still {value!r} after {deadline} s")
        time.sleep(0.05)


@pytest.fixture
def shared(app, tmp_path, database_url, monkeypatch):
    """The environment a test and its worker processes share, and the test's app on that queue."""
    env = {"TEST_JOBS_DATABASE_URL": database_url, "TEST_JOBS_QUEUE_PATH": str(tmp_path / "queue.db"),
           "TEST_JOBS_FOLDER": str(tmp_path / "jobs")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    from tests.jobs.worker_app import config
    test_app = create_app(config())
    yield test_app
    with test_app.app_context():
        db.engine.dispose()


@pytest.fixture
def start_worker(tmp_path):
    """start_worker() -> a running `flask worker` process on the shared queue; all are stopped at the end."""
    started = []

    def start():
        log = open(tmp_path / f"worker-{len(started)}.log", "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "tests.jobs.worker_app", "worker", "--workers", "1",
             "--no-periodic"], cwd=ROOT, env=os.environ.copy(), stdout=log, stderr=subprocess.STDOUT)
        started.append((process, log))
        return process

    yield start
    for process, log in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        log.close()


def test_a_job_survives_killing_its_worker_midway(shared, start_worker):
    with shared.app_context():
        job_id = jobs.start_job("test.steps", label="Count", params={"steps": 40}).id

    def state():
        with shared.app_context():
            job = db.session.scalar(select(Job).where(Job.id == job_id))
            return job.state, job.done, job.attempts

    first = start_worker()
    assert poll(state, lambda s: s[1] > 0)[0] == "running"
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    killed_at = state()
    assert killed_at[0] == "running" and 0 < killed_at[1] < 40

    start_worker()
    final = poll(state, lambda s: s[0] in ("succeeded", "failed"))
    assert final == ("succeeded", 40, 2)
    with shared.app_context():
        path, name = _result(job_id)
    with open(path) as result:
        assert result.read().split("\n") == [str(step) for step in range(40)]
    assert name == "steps.txt"


def _result(job_id):
    """(path, download name) of the job's result as its row says."""
    job = db.session.get(Job, job_id)
    return os.path.join(jobs.folder(job_id), job.result_path), job.result_name


def test_a_redis_url_without_the_redis_package_fails_at_start_saying_what_to_do(database_url, monkeypatch):
    monkeypatch.setitem(sys.modules, "redis", None)  # as when the redis extra is not installed
    with pytest.raises(RuntimeError, match=r"pip install 'webconsole\[redis\]'"):
        create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "JOBS_IMMEDIATE": False,
                    "REDIS_URL": "redis://127.0.0.1:6379/0"})
