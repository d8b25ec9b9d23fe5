"""The periodic work that replaced cron: daily jobs an admin can see, and the name index catch-up."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from tests.domain.test_forensic_search_names import store
from webconsole.extensions import db
from webconsole.jobs import periodic
from webconsole.models import FileEvent, Job, SignInAttempt
from webconsole.models.base import utcnow

# Jobs run in app contexts or processes of their own, which must see committed data.
pytestmark = pytest.mark.committed


@pytest.fixture(autouse=True)
def job_files(app, tmp_path):
    app.config["JOBS_FOLDER"] = str(tmp_path / "jobs")


def test_the_daily_retention_runs_as_a_job_an_admin_can_see(app, world):
    with app.app_context():
        db.session.add(SignInAttempt(username="old@acme.test", address="192.0.2.1", succeeded=False,
                                     at=utcnow() - timedelta(days=400)))
        db.session.commit()
        periodic.daily_retention()  # the test queue runs the job at once
        job = db.session.scalar(select(Job).where(Job.kind == "retention.prune"))
        assert (job.state, job.user_id, job.label) == ("succeeded", None, "Retention")
        assert db.session.scalar(select(SignInAttempt.id)) is None


def test_the_daily_storage_use_runs_as_a_job(app, world):
    with app.app_context():
        periodic.daily_usage()
        job = db.session.scalar(select(Job).where(Job.kind == "usage.record"))
        assert job.state == "succeeded"


def test_the_name_index_catches_up_with_events_stored_one_batch_at_a_time(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL keeps its trigram indexes itself")
        store(["agent-upload.txt"])  # an agent's batch is acknowledged before it is indexed
        reach = text("SELECT indexed_to FROM file_events_fts_state")
        assert db.session.scalar(reach) == 0
        periodic.name_index_catch_up()
        db.session.commit()
        assert db.session.scalar(reach) == db.session.scalar(select(func.max(FileEvent.id)))
