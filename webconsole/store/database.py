"""Database housekeeping shared by set-up and bulk loads."""
from sqlalchemy import text

from webconsole.extensions import db


def is_contention(error):
    """True when the database refused a statement for contention, not for a fault (an OperationalError
    from either engine): SQLite's busy timeout ran out, or PostgreSQL chose this transaction to end a
    deadlock, a serialization conflict or a lock wait. Sending it again may succeed."""
    original = getattr(error, "orig", None)
    if "database is locked" in str(original) or "database table is locked" in str(original):
        return True
    return getattr(original, "sqlstate", None) in ("40001", "40P01", "55P03")


def analyse(*tables):
    """Fresh planner statistics for `tables` just bulk loaded, inside the running transaction: without
    them PostgreSQL plans a per-user recount of 200 000 new devices as a scan of them all per user."""
    for table in tables:
        db.session.execute(text(f"ANALYZE {table}"))


def recount_org_totals():
    """Fill the per-org totals again from the rows themselves, as migrations 0015 and 0016 first did: for a
    database whose totals triggers were off while it was loaded."""
    db.session.execute(text("DELETE FROM org_totals"))
    db.session.execute(text("DELETE FROM org_destination_totals"))
    db.session.execute(text("""INSERT INTO org_totals (org_id, users, devices, selected_bytes, archive_bytes)
        SELECT orgs.id,
            (SELECT count(*) FROM users WHERE users.org_id = orgs.id AND users.status = 'active'),
            (SELECT count(*) FROM devices WHERE devices.org_id = orgs.id AND devices.status = 'active'),
            (SELECT coalesce(sum(selected_bytes), 0) FROM devices WHERE devices.org_id = orgs.id
                AND devices.status = 'active'),
            (SELECT coalesce(sum(archive_bytes), 0) FROM devices WHERE devices.org_id = orgs.id
                AND devices.status = 'active')
        FROM orgs"""))
    db.session.execute(text("""INSERT INTO org_destination_totals (org_id, destination_id, devices, archive_bytes)
        SELECT d.org_id, b.destination_id, count(*), coalesce(sum(b.archive_bytes), 0)
        FROM backup_states b JOIN devices d ON d.id = b.device_id GROUP BY d.org_id, b.destination_id"""))


def refresh_statistics():
    """Give the query planner fresh table statistics.

    Without them SQLite guesses, and for a scoped list (devices of one org subtree, ordered by
    name) it guesses a full sort over the subtree instead of walking the name index: 140 ms
    against 1 ms at 200 000 devices (docs/benchmarks.md).
    """
    if db.engine.dialect.name == "sqlite":
        # A sampled ANALYZE: a second or two even on tens of millions of rows.
        db.session.execute(text("PRAGMA analysis_limit=2000"))
    db.session.execute(text("ANALYZE"))
    db.session.commit()
