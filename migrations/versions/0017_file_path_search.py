"""file path search index for Forensic Search on SQLite

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-26 07:00:00

A file path "contains" filter was a LIKE '%x%' over every event of the date range: two seconds at
10 million events when few match. Paths repeat (a folder holds many files), so SQLite indexes the
distinct paths rather than every event: file_event_paths holds each path once, with an FTS5
trigram index, and file_events gains a (file_path, event_at, id) index to go from a matching path
to its events. Both are kept by the bulk inserts that keep the file-name index (name_search), and
reach as far as it does. PostgreSQL has its pg_trgm index on file_path since 0014.
"""
from alembic import op

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("CREATE TABLE file_event_paths (id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE)")
    op.execute("CREATE VIRTUAL TABLE file_event_paths_fts USING fts5(path, content='file_event_paths', "
               "content_rowid='id', tokenize='trigram', detail='none', columnsize=0)")
    op.execute("INSERT INTO file_event_paths (path) SELECT DISTINCT file_path FROM file_events "
               "WHERE id <= (SELECT indexed_to FROM file_events_fts_state)")
    op.execute("INSERT INTO file_event_paths_fts (rowid, path) SELECT id, path FROM file_event_paths")
    op.execute("CREATE INDEX ix_file_events_file_path_event_at ON file_events (file_path, event_at, id)")


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP INDEX IF EXISTS ix_file_events_file_path_event_at")
    op.execute("DROP TABLE IF EXISTS file_event_paths_fts")
    op.execute("DROP TABLE IF EXISTS file_event_paths")
