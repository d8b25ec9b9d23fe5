"""Export progress: written under the browser's token for its user, at most once a batch and an interval."""
from datetime import timedelta

import pytest

from webconsole.domain import exports
from webconsole.extensions import db
from webconsole.models import ExportProgress
from webconsole.models.base import utcnow

pytestmark = pytest.mark.committed  # an export's progress is written on a connection of its own

TOKEN = "t" * 22


def test_progress_is_written_at_most_once_an_interval_and_at_the_end(app, world, monkeypatch):
    # An interval no slow machine can outlast between two lines: the first advance is within it.
    monkeypatch.setattr(exports, "PROGRESS_INTERVAL", 10**6)
    with app.app_context():
        tracker = exports.start_export(TOKEN, world["admin"], 2500, True)
        assert exports.export_progress(world["admin"], TOKEN) == exports.Progress(0, 2500, True, "running")
        tracker.advance(1000)  # within the interval: not written yet
        assert exports.export_progress(world["admin"], TOKEN).rows == 0
        monkeypatch.setattr(exports, "PROGRESS_INTERVAL", 0)
        tracker.advance(1000)
        assert exports.export_progress(world["admin"], TOKEN).rows == 2000
        tracker.advance(500)
        tracker.finish()
        assert exports.export_progress(world["admin"], TOKEN) == exports.Progress(2500, 2500, True, "done")


def test_progress_belongs_to_the_user_who_started_the_export(app, world):
    with app.app_context():
        exports.start_export(TOKEN, world["admin"], 10, True).finish()
        assert exports.export_progress(world["helpdesk"], TOKEN) is None
        # Someone else sending the same token neither takes the progress over nor changes it.
        intruder = exports.start_export(TOKEN, world["helpdesk"], 99, True)
        intruder.advance(99)
        intruder.finish(failed=True)
        assert exports.export_progress(world["admin"], TOKEN) == exports.Progress(0, 10, True, "done")
        assert exports.export_progress(world["helpdesk"], TOKEN) is None


def test_a_silent_export_has_failed_and_old_progress_is_forgotten(app, world):
    with app.app_context():
        exports.start_export(TOKEN, world["admin"], 10, False)
        later = utcnow() + exports.STALE + timedelta(seconds=1)
        assert exports.export_progress(world["admin"], TOKEN, now=later).state == "failed"
        db.session.get(ExportProgress, TOKEN).updated_at = utcnow() - exports.KEEP - timedelta(minutes=1)
        db.session.commit()
        exports.start_export("u" * 22, world["admin"], 1, True)  # any new export clears out the old ones
        db.session.expire_all()
        assert db.session.get(ExportProgress, TOKEN) is None


@pytest.mark.parametrize("token, valid", [
    ("a" * 16, True), ("Zz0-_" * 4, True), ("a" * 15, False), ("a" * 65, False), ("a b" * 8, False), ("", False),
])
def test_tokens_are_random_looking_url_safe_strings(token, valid):
    assert exports.valid_token(token) is valid
