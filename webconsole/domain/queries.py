"""Query pieces the list queries share: free-text search and equality filters."""
from sqlalchemy import or_


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
