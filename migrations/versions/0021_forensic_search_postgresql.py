"""Forensic Search on PostgreSQL: hostname and exposure indexes, finer name and path statistics

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 20:30:00

Two Forensic Search filters read every event of the date range on PostgreSQL when few events
match: a hostname ("is"), 0.7 s for a 30-day search of one device's events at 2 million events,
and an exposure type, whose bit test no index serves (1.7 s for the lazy count of a rare one).
So PostgreSQL gains (hostname, event_at, id), walked backwards like the user and device indexes,
and a partial (event_at, id, exposure) index of the events with any exposure (one in seven in the
demo data), which an exposure search walks instead of every event. SQLite goes without: each
random index costs its agent batches about a thousand written pages (0010).

And file name and path keep 1000 statistics buckets instead of 100: the planner estimates a
"contains" filter by trying it on them, and a part in one event in 300 that none of 100 holds
was taken for one in 10 000, so it read all its events through the trigram index and sorted them
(114 ms) instead of walking the date index to the first 51 (50 ms, and less the deeper the page).
"""
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE INDEX ix_file_events_hostname_event_at ON file_events (hostname, event_at, id)")
    op.execute("CREATE INDEX ix_file_events_exposed_event_at ON file_events (event_at, id, exposure) "
               "WHERE exposure <> 0")
    for column in ("file_name", "file_path"):
        op.execute(f"ALTER TABLE file_events ALTER COLUMN {column} SET STATISTICS 1000")
    op.execute("ANALYZE file_events")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for column in ("file_name", "file_path"):
        op.execute(f"ALTER TABLE file_events ALTER COLUMN {column} SET STATISTICS -1")
    op.execute("DROP INDEX IF EXISTS ix_file_events_exposed_event_at")
    op.execute("DROP INDEX IF EXISTS ix_file_events_hostname_event_at")
