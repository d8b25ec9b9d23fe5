"""Indexes that live outside the SQLAlchemy models: search indexes (migration 0004) and the file
events' MD5 index, which only PostgreSQL has (migration 0010)."""

# On SQLite every random index costs each 1000-event agent batch about a thousand written pages;
# MD5 searches there read the date range instead (SHA-256, the hash the console pivots on, is
# indexed everywhere). docs/benchmarks.md has the figures.
DIALECT_INDEXES = {"ix_file_events_md5"}


def managed_by_hand(name, type_):
    """True for the FTS5 tables (SQLite) and the PostgreSQL-only indexes the models do not describe."""
    name = name or ""
    if type_ == "table":
        return "_fts" in name
    if type_ == "index":
        return name.endswith("_trgm") or name in DIALECT_INDEXES
    return False
