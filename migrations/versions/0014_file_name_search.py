"""file name and path search indexes for Forensic Search

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-26 02:00:00

A file name "contains" filter was a LIKE '%x%' over every event of the date range: seconds at
10 million events when few match. On SQLite: an FTS5 trigram index of file names, kept by bulk
inserts rather than a per-row trigger (see webconsole.store.name_search), with
`file_events_fts_state` holding the highest event id indexed (the triggers only keep the index
true when events are deleted or renamed); and file_name joins the (event_at, id) index, so that
a search for a common name part walks the date range without reading the rows it skips. On
PostgreSQL: pg_trgm GIN indexes on file name and path, which ILIKE uses.
"""
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

INDEXED = "(SELECT indexed_to FROM file_events_fts_state)"
TOP = "(SELECT coalesce(max(id), 0) FROM file_events)"


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.drop_index('ix_file_events_event_at_id', table_name='file_events')
        op.create_index('ix_file_events_event_at_id', 'file_events', ['event_at', 'id', 'file_name'])
        op.execute("CREATE VIRTUAL TABLE file_events_fts USING fts5(file_name, content='file_events', "
                   "content_rowid='id', tokenize='trigram', detail='none', columnsize=0)")
        op.execute("CREATE TABLE file_events_fts_state (id INTEGER PRIMARY KEY CHECK (id = 1), "
                   "indexed_to INTEGER NOT NULL)")
        op.execute("INSERT INTO file_events_fts (rowid, file_name) SELECT id, file_name FROM file_events")
        op.execute("INSERT INTO file_events_fts (file_events_fts) VALUES ('optimize')")  # one segment to start
        op.execute(f"INSERT INTO file_events_fts_state (id, indexed_to) VALUES (1, {TOP})")
        # A deleted event leaves the index; when the newest go, the reach comes back down with them,
        # since SQLite gives the next event the id after the highest left.
        op.execute(f"""CREATE TRIGGER file_events_fts_delete AFTER DELETE ON file_events BEGIN
            INSERT INTO file_events_fts (file_events_fts, rowid, file_name)
                SELECT 'delete', old.id, old.file_name WHERE old.id <= {INDEXED};
            UPDATE file_events_fts_state SET indexed_to = {TOP} WHERE indexed_to > {TOP};
        END""")
        op.execute(f"""CREATE TRIGGER file_events_fts_update AFTER UPDATE OF file_name ON file_events BEGIN
            INSERT INTO file_events_fts (file_events_fts, rowid, file_name)
                SELECT 'delete', old.id, old.file_name WHERE old.id <= {INDEXED};
            INSERT INTO file_events_fts (rowid, file_name) SELECT new.id, new.file_name WHERE new.id <= {INDEXED};
        END""")
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE INDEX ix_file_events_file_name_trgm ON file_events USING gin (file_name gin_trgm_ops)")
        op.execute("CREATE INDEX ix_file_events_file_path_trgm ON file_events USING gin (file_path gin_trgm_ops)")


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS file_events_fts_update")
        op.execute("DROP TRIGGER IF EXISTS file_events_fts_delete")
        op.execute("DROP TABLE IF EXISTS file_events_fts_state")
        op.execute("DROP TABLE IF EXISTS file_events_fts")
        op.drop_index('ix_file_events_event_at_id', table_name='file_events')
        op.create_index('ix_file_events_event_at_id', 'file_events', ['event_at', 'id'])
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_file_events_file_path_trgm")
        op.execute("DROP INDEX IF EXISTS ix_file_events_file_name_trgm")
