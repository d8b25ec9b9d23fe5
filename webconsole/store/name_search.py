"""Substring search in file events' text, and the file-name index that keeps it fast at millions of events.

Matching is case-insensitive (non-ASCII letters too) and takes `%` and `_` literally, on both
databases. A LIKE '%x%' alone reads every event of the date range when few match: seconds at
10 million events. So file names are indexed by trigram (migration 0014):

- PostgreSQL: pg_trgm GIN indexes on file name and path, which ILIKE uses; the planner chooses.
- SQLite: an FTS5 trigram index of file names that keeps neither positions nor sizes (substring
  search needs neither; without them it is half the size and half the work to write). A trigger
  per row would cost each stored event about 25 µs, since FTS5 writes its pending terms out at the
  end of every statement, so events are indexed many at a time (`index_new_events`), after they
  are stored: bulk loads index theirs as they go (import) or at their end (demo), and the worker
  indexes the agents' and connections' batches every minute (`catch_up`), in steps of STEP events that
  hold the write lock about 15 ms each. An agent's batch is acknowledged without waiting for it.
  `file_events_fts_state.indexed_to` says how far the index reaches, and the events past it are
  read directly, so a search finds an event as soon as it is committed: the lag (about a minute)
  costs a search some time, never results. A name part of three characters or more is looked
  up there first: a few thousand events at most are read by id; more mean a common part, whose
  page a walk of the date index (which holds file names on SQLite) fills sooner. Either way the
  exact LIKE (or GLOB) test decides, so the index only ever narrows.

File paths repeat (a folder holds many files), so SQLite indexes each distinct path once
(migration 0017): `file_event_paths` with its own FTS5 trigram index, kept by the same bulk
inserts, and a (file_path, event_at, id) index from a matching path to its events. A path part is
looked up among the distinct paths, the paths that really hold it are kept, and their events are
read by id when there are a few thousand at most; else the date index is walked, as for names.
"""
from sqlalchemy import Integer, String, and_, column, false, func, select, table, text, union_all
from sqlalchemy.orm import aliased

from webconsole.extensions import db
from webconsole.models import FileEvent

# Events holding a name part that are read by id at most (about 2.5 µs each). More mean a common part,
# whose page a walk of the (event_at, id, file_name) index fills sooner: 5 000 among 10 million
# events is one in 2 000, a page of 50 within about 100 000 index entries (15 ms).
BY_ID = 5_000
# Events the catch-up indexes per transaction. FTS5 writes a segment per statement and merges them as
# they pile up: about 2.4 µs a name, so 5 000 hold the write lock about 12 ms (an agent's batch waits
# no longer), where the 50 000 an agent's batch used to index in one batch in fifty took 120 ms.
STEP = 5_000
# Events not yet indexed that a search reads one by one (30 ms for 50 000); beyond, it walks the
# date index.
TAIL = 100_000
_LIKE_ESCAPE = str.maketrans({"/": "//", "%": "/%", "_": "/_"})
_GLOB_SPECIAL = {"*": "[*]", "?": "[?]", "[": "[[]"}
_MATCHES = ("SELECT count(*), json_group_array(rowid) FROM "
            "(SELECT rowid FROM {index} WHERE {index} MATCH :query LIMIT :n)")
# The distinct paths (SQLite, migration 0017); not a model, as the search tables are not.
_PATHS = table("file_event_paths", column("id", Integer), column("path", String))


def _sqlite():
    return db.engine.dialect.name == "sqlite"


def _case_variants(char):
    return sorted({v for v in (char, char.lower(), char.upper()) if len(v) == 1})


def _folds_beyond_ascii(value):
    return any(ord(c) > 127 and len(_case_variants(c)) > 1 for c in value)


def _glob(value):
    """A GLOB pattern body matching `value` in any case, character by character."""
    parts = []
    for char in value:
        variants = _case_variants(char)
        parts.append(f"[{''.join(variants)}]" if len(variants) > 1 else _GLOB_SPECIAL.get(char, char))
    return "".join(parts)


def matches(column_, value, anchored=False):
    """SQL true where `column_` contains `value` (or starts with it, if `anchored`), in any case."""
    if "\x00" in value:
        # Stored text never holds a NUL (events.parse_event), and SQLite's LIKE would stop reading at one.
        return false()
    if not _sqlite():
        # ILIKE, not lower() LIKE: the pg_trgm indexes serve ILIKE on the column itself.
        pattern = value.translate(_LIKE_ESCAPE) + "%"
        return column_.ilike(pattern if anchored else "%" + pattern, escape="/")
    if _folds_beyond_ascii(value):
        # SQLite's LIKE and lower() fold ASCII letters only; a GLOB of [xX] classes folds them all.
        return column_.op("GLOB")(_glob(value) + "*" if anchored else "*" + _glob(value) + "*")
    pattern = value.translate(_LIKE_ESCAPE) + "%"
    return column_.like(pattern if anchored else "%" + pattern, escape="/")  # LIKE folds ASCII itself


def file_name_condition(operator, value):
    """SQL true for events whose file name is `value` ("is", exactly), starts with it or contains it."""
    column_ = FileEvent.file_name
    if "\x00" in value:
        return false()  # as in matches()
    exact = column_ == value if operator == "is" else matches(column_, value, anchored=operator == "starts_with")
    if not _sqlite():
        return exact
    holding = _ids_holding(value)
    return exact if holding is None else and_(FileEvent.id.in_(holding), exact)


def file_path_condition(operator, value):
    """SQL true for events whose file path is `value` ("is", exactly), starts with it or contains it."""
    column_ = FileEvent.file_path
    if "\x00" in value:
        return false()  # as in matches()
    if operator == "is":
        return column_ == value  # the (file_path, event_at, id) index on SQLite, a B-tree on PostgreSQL
    anchored = operator == "starts_with"
    exact = matches(column_, value, anchored=anchored)
    if not _sqlite():
        return exact
    holding = _ids_on_paths(value, anchored)
    return exact if holding is None else and_(FileEvent.id.in_(holding), exact)


def _reach():
    """(highest event id, highest id the search indexes reach)."""
    top = db.session.scalar(select(func.coalesce(func.max(FileEvent.id), 0)))
    return top, db.session.scalar(text("SELECT indexed_to FROM file_events_fts_state"))


def _hits(index, value):
    """A JSON array of the rowids of `index` (an FTS5 table) holding the trigrams of `value`, or None when
    more than BY_ID do."""
    for query in _queries(value):
        # The hits come back as one JSON array, not thousands of rows: Python allocates one string.
        n, ids = db.session.execute(text(_MATCHES.format(index=index)), {"query": query, "n": BY_ID + 1}).one()
        if n <= BY_ID:
            return ids
    return None


def _json_ids(ids):
    # The ids go back in as a table-valued JSON array: as a subquery, SQLite reads them by id (a long
    # IN list makes it walk the date index instead), without asking the index a second time.
    return select(column("value", Integer)).select_from(func.json_each(ids).table_valued("value"))


def _with_tail(hits, top, indexed_to):
    """The index's hits and the events it does not reach yet."""
    if top == indexed_to:
        return hits
    unindexed = aliased(FileEvent)
    return union_all(hits, select(unindexed.id).where(unindexed.id > indexed_to))


def _reach_for(value):
    """(highest event id, highest indexed) when the indexes can narrow a search for `value`; None when it is
    shorter than a trigram or too many events wait to be indexed, and walking the date index is the way."""
    if len(value) < 3:
        return None
    top, indexed_to = _reach()
    return None if top - indexed_to > TAIL else (top, indexed_to)


def _ids_on_paths(value, anchored):
    """A select of the ids of the events whose path may hold `value`, or None (walk the date index)."""
    reach = _reach_for(value)
    path_ids = _hits("file_event_paths_fts", value) if reach else None
    if path_ids is None:
        return None
    # The paths that really hold it, then their events by the (file_path, event_at, id) index.
    paths = select(_PATHS.c.path).where(_PATHS.c.id.in_(_json_ids(path_ids)),
                                        matches(_PATHS.c.path, value, anchored=anchored))
    on_paths = select(FileEvent.id).where(FileEvent.file_path.in_(paths)).limit(BY_ID + 1).subquery()
    n, ids = db.session.execute(select(func.count(), func.json_group_array(on_paths.c.id))).one()
    return None if n > BY_ID else _with_tail(_json_ids(ids), *reach)


def _ids_holding(value):
    """A select of the ids of the events whose name may hold `value` (the index's hits and the
    events it does not reach yet), or None when walking the date index finds a page sooner."""
    reach = _reach_for(value)
    ids = _hits("file_events_fts", value) if reach else None
    return None if ids is None else _with_tail(_json_ids(ids), *reach)


def _queries(value):
    """FTS5 queries for names holding trigrams of `value`, each narrower and dearer than the one before:
    its first and last trigrams, then those that tile it (every third). Each trigram is a doclist to
    read, up to a million entries for the commonest; the exact test sees to the characters between."""
    ends = dict.fromkeys((0, len(value) - 3))
    tiles = dict.fromkeys([*range(0, len(value) - 3, 3), len(value) - 3])
    for starts in (ends, tiles) if len(tiles) > len(ends) else (tiles,):
        yield " AND ".join('"' + value[n:n + 3].replace('"', '""') + '"' for n in starts)


def index_new_events(limit=None):
    """Add the events stored past the file-name index's reach to it (SQLite), oldest first, in one
    statement: all of them, or the next `limit` ids. How many were added; the caller commits."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return 0
    top = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM file_events").scalar()
    indexed_to = connection.exec_driver_sql("SELECT indexed_to FROM file_events_fts_state").scalar()
    if top <= indexed_to:
        return 0
    upto = top if limit is None else min(top, indexed_to + limit)
    # Their paths not seen before join the distinct paths and their index. The first statement takes the
    # write lock, so the reach read inside each statement holds until the state is updated.
    known = connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM file_event_paths").scalar()
    connection.exec_driver_sql(
        "INSERT OR IGNORE INTO file_event_paths (path) SELECT DISTINCT file_path FROM file_events "
        "WHERE id > (SELECT indexed_to FROM file_events_fts_state) AND id <= ?", (upto,))
    connection.exec_driver_sql(
        "INSERT INTO file_event_paths_fts (rowid, path) SELECT id, path FROM file_event_paths WHERE id > ?", (known,))
    # One statement for them all (see the module's notes). The reach is read again inside it, under
    # the write lock, so two catch-ups never index an event twice.
    added = connection.exec_driver_sql(
        "INSERT INTO file_events_fts (rowid, file_name) SELECT id, file_name FROM file_events "
        "WHERE id > (SELECT indexed_to FROM file_events_fts_state) AND id <= ?", (upto,)).rowcount
    connection.exec_driver_sql("UPDATE file_events_fts_state SET indexed_to = ? WHERE indexed_to < ?", (upto, upto))
    return added


def catch_up(step=STEP):
    """Index every event stored before the call, `step` ids per committed transaction, so that writers
    (agents' batches) wait for one short step at most; how many were added."""
    if db.session.connection().dialect.name != "sqlite":
        return 0
    top = db.session.scalar(select(func.coalesce(func.max(FileEvent.id), 0)))
    db.session.commit()  # the read above must not hold a snapshot the steps would have to upgrade
    added, reach, before = 0, None, -1
    while reach != before:  # the reach stops moving when events past it were deleted meanwhile
        before, reach = reach, db.session.scalar(text("SELECT indexed_to FROM file_events_fts_state"))
        if reach >= top:
            break
        added += index_new_events(min(step, top - reach))
        db.session.commit()
    db.session.commit()
    return added
