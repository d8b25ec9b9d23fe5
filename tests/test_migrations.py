"""The migrations build exactly the schema the models describe."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from webconsole.extensions import db
from webconsole.models.search import managed_by_hand

pytestmark = pytest.mark.committed  # Alembic compares on a connection of its own


def test_models_and_migrations_agree(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True,
            "include_object": lambda obj, name, type_, reflected, other: not managed_by_hand(name, type_),
        })
        diff = compare_metadata(context, db.metadata)
    assert diff == []
