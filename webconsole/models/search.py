"""Search indexes that live outside the SQLAlchemy models (created by migration 0004)."""


def managed_by_hand(name, type_):
    """True for the FTS5 tables (SQLite) and trigram indexes (PostgreSQL) the models do not describe."""
    name = name or ""
    if type_ == "table":
        return "_fts" in name
    if type_ == "index":
        return name.endswith("_trgm")
    return False
