"""Recounting the per-org totals from the rows gives what the triggers kept while the rows were written."""
from sqlalchemy import text

from webconsole.demo.data import load_demo
from webconsole.extensions import db
from webconsole.store.database import recount_org_totals


def _totals():
    return (db.session.execute(text("SELECT * FROM org_totals ORDER BY org_id")).all(),
            db.session.execute(text("SELECT * FROM org_destination_totals ORDER BY org_id, destination_id")).all())


def test_a_recount_matches_the_totals_the_triggers_kept(app):
    with app.app_context():
        load_demo("demo-password", users=30, devices=50)
        kept = _totals()
        assert kept[0] and kept[1]
        db.session.execute(text("UPDATE org_totals SET devices = devices + 7"))
        recount_org_totals()
        assert _totals() == kept
