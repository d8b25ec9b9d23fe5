"""Long lists of ids as one bound value: a JSON array read back as a table by the database.

`column.in_([...])` binds one parameter per id: SQLite refuses more than 32 766 of them and PostgreSQL
more than 65 535, and both parse and plan slower with every one. A list worked out in Python (the orgs
that share a settings value, say) goes in as a single JSON text instead, which SQLite's json_each and
PostgreSQL's jsonb_array_elements_text read back as a one-column table.
"""
import json

from sqlalchemy import Integer, bindparam, cast, column, func, select
from sqlalchemy.dialects.postgresql import JSONB

from webconsole.extensions import db


def id_table(ids):
    """A select of `ids` (whole numbers) as one column, from a single bound JSON array."""
    payload = json.dumps(sorted({int(i) for i in ids}))
    if db.engine.dialect.name == "postgresql":
        values = func.jsonb_array_elements_text(cast(bindparam(None, payload), JSONB)).table_valued("value")
        return select(cast(values.c.value, Integer))
    return select(column("value", Integer)).select_from(func.json_each(bindparam(None, payload)).table_valued("value"))
