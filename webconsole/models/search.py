"""Indexes that live outside the SQLAlchemy models: search indexes (migrations 0004 and 0014, with
the file-name index's state table) and file-event indexes that differ by database (0010, 0014)."""

DIALECT_INDEXES = {
    # On SQLite every random index costs each 1000-event agent batch about a thousand written pages;
    # MD5 searches there read the date range instead (SHA-256, the hash the console pivots on, is
    # indexed everywhere). docs/benchmarks.md has the figures. PostgreSQL only.
    "ix_file_events_md5",
    # (event_at, id) as the model says, and on SQLite file_name too, so that a file-name search
    # walking the date range reads no rows it does not show (PostgreSQL's B-tree entries could not
    # hold the longest names; its trigram indexes serve those searches).
    "ix_file_events_event_at_id",
}


def managed_by_hand(name, type_):
    """True for the FTS5 tables (SQLite) and the indexes the models do not describe as they are."""
    name = name or ""
    if type_ == "table":
        return "_fts" in name
    if type_ == "index":
        return name.endswith("_trgm") or name in DIALECT_INDEXES
    return False
