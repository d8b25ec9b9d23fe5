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
        raise ValidationError(_l("No such organization."), field="org")
    return select(Org.id).where(Org.path.startswith(org.path, autoescape=True))


# Tables with a substring search index (migration 0004) and the columns it covers.
INDEXED_TEXT = {"devices": ("name", "hostname"), "users": ("username", "first_name", "last_name")}


def text_matches(model, q):
    """Select of the ids of `model` rows whose indexed text columns contain `q` (case-insensitive).

    On SQLite, three characters or more go through the FTS5 trigram index; on PostgreSQL, ILIKE
    uses the pg_trgm indexes. Shorter searches scan.
    """
    table = model.__tablename__
    columns = [getattr(model, c) for c in INDEXED_TEXT[table]]
    if db.engine.dialect.name == "sqlite" and len(q) >= 3:
        phrase = '"' + q.replace('"', '""') + '"'
        return select(literal_column("rowid")).select_from(text(f"{table}_fts")).where(
            text(f"{table}_fts MATCH :phrase").bindparams(phrase=phrase))
    return select(model.id).where(or_(*[c.icontains(q, autoescape=True) for c in columns]))
