"""Indexes that live outside the SQLAlchemy models: search indexes (migrations 0004, 0014 and 0017, with
the file-name index's state table and the distinct paths) and file-event indexes that differ by database
(0010, 0014, 0017, 0021)."""

DIALECT_INDEXES = {
    # On SQLite every random index costs each 1000-event agent batch about a thousand written pages;
    # MD5 searches there read the date range instead (SHA-256, the hash the console pivots on, is
    # indexed everywhere). docs/benchmarks.md has the figures. PostgreSQL only.
    "ix_file_events_md5",
    # (event_at, id) as the model says, and on SQLite file_name too, so that a file-name search
    # walking the date range reads no rows it does not show (PostgreSQL's B-tree entries could not
    # hold the longest names; its trigram indexes serve those searches).
    "ix_file_events_event_at_id",
    # SQLite only: from a path the path index found to its events (0017). PostgreSQL's B-tree entries
    # could not hold the longest paths; its trigram index serves path searches.
    "ix_file_events_file_path_event_at",
    # PostgreSQL only (0021): a hostname search walks its own index, and an exposure search the events
    # with any exposure, instead of every event of the date range.
    "ix_file_events_hostname_event_at",
    "ix_file_events_exposed_event_at",
}


def managed_by_hand(name, type_):
    """True for the FTS5 tables (SQLite) and the indexes the models do not describe as they are."""
    name = name or ""
    if type_ == "table":
        return "_fts" in name or name == "file_event_paths"
    if type_ == "index":
        return name.endswith("_trgm") or name in DIALECT_INDEXES
    return False
