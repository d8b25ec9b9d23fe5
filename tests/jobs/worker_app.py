"""The app a test's worker process runs (`flask --app tests.jobs.worker_app worker`): the console on the
test database and queue named in the environment, plus a job kind that counts steps with checkpoints."""
import os
import threading

from webconsole import create_app as create_console
from webconsole.jobs.kinds import job_kind


def config():
    """The configuration the test and its workers share (database, queue, job files, a short lease)."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": os.environ["TEST_JOBS_DATABASE_URL"],
        "JOBS_IMMEDIATE": False,
        "JOBS_QUEUE_PATH": os.environ["TEST_JOBS_QUEUE_PATH"],
        "JOBS_FOLDER": os.environ["TEST_JOBS_FOLDER"],
        "JOBS_LEASE_SECONDS": 2,
    }


@job_kind("test.steps")
def count_steps(context):
    """Do `steps` steps, each recorded in the checkpoint with the progress; write them all to the result.
    A first run stops half-way and waits there, so that the test can kill its worker while it is running."""
    steps = context.params["steps"]
    done = list((context.checkpoint or {}).get("steps", []))
    for step in range(len(done), steps):
        if context.attempt == 1 and step == steps // 2:
            threading.Event().wait(600)  # until the test kills this worker
        done.append(step)
        context.progress(len(done), steps, {"steps": done})
    with open(context.path("steps.txt"), "w") as out:
        out.write("\n".join(str(step) for step in done))
    context.result("steps.txt", "steps.txt")


def create_app():
    """The worker's app (flask finds this factory): the console on the test's database and queue."""
    return create_console(config())
