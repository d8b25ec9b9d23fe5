"""Query pieces the list queries share: free-text search and equality filters."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import literal_column, or_, select, text

from webconsole.domain.errors import ValidationError
from webconsole.extensions import db
from webconsole.models import Org


def search(stmt, q, contains=(), equals=()):
    """Rows where any `contains` column holds `q` (case-insensitive, wildcards literal) or an
    `equals` column is exactly `q` (GUIDs)."""
    if not q:
        return stmt
    return stmt.where(or_(*[c.icontains(q, autoescape=True) for c in contains],
                          *[c == q for c in equals]))


def filter_by(stmt, filters, columns):
    """Rows whose columns equal the given filters; `columns` maps filter name to column."""
    for name, column in columns.items():
        if filters.get(name):
            stmt = stmt.where(column == filters[name])
    return stmt


def org_subtree(org_id):
    """Select of the ids of an org and every org below it, for an "organization" filter."""
    try:
        org = db.session.get(Org, int(org_id))
    except (TypeError, ValueError):
        org = None
    if org is None:
        raise ValidationError(_l("No such organization."), field="org", code="validation.choice")
    return select(Org.id).where(Org.path.startswith(org.path, autoescape=True))


# Tables with a substring search index (migration 0004) and the columns it covers.
INDEXED_TEXT = {"devices": ("name", "hostname"), "users": ("username", "first_name", "last_name")}


# Up to this many index hits are looked up by id; more mean a common term, which a walk of the
# list's sort index finds sooner than a lookup of every hit.
ID_LOOKUP_LIMIT = 2000


def text_matches(model, q):
    """SQL true for `model` rows whose indexed text columns contain `q` (case-insensitive).

    On SQLite, three characters or more go through the FTS5 trigram index: a rare term becomes a
    short list of ids, a common one a LIKE that the first page satisfies early. On PostgreSQL,
    ILIKE uses the pg_trgm indexes and the planner chooses.
    """
    ids = matching_ids(model, q)
    return model.id.in_(ids) if ids is not None else _like(model, q)


def _like(model, q):
    return or_(*[getattr(model, c).icontains(q, autoescape=True) for c in INDEXED_TEXT[model.__tablename__]])


def matching_ids(model, q):
    """The ids of the `model` rows whose indexed text contains `q`, when SQLite's trigram index finds at
    most ID_LOOKUP_LIMIT of them; None when it finds more (a common term), or cannot say (PostgreSQL,
    a term shorter than three characters)."""
    if db.engine.dialect.name != "sqlite" or len(q) < 3:
        return None
    table = model.__tablename__
    phrase = '"' + q.replace('"', '""') + '"'
    ids = db.session.scalars(select(literal_column("rowid")).select_from(text(f"{table}_fts")).where(
        text(f"{table}_fts MATCH :phrase").bindparams(phrase=phrase)).limit(ID_LOOKUP_LIMIT + 1)).all()
    return ids if len(ids) <= ID_LOOKUP_LIMIT else None
