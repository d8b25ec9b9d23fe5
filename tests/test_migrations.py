"""The migrations build exactly the schema the models describe."""
import logging

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

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


def test_migrating_inside_a_running_process_keeps_its_loggers(app):
    """`flask setup` and the test fixtures migrate in a process whose loggers exist already; Alembic's
    logging set-up must not disable them."""
    logger = logging.getLogger("webconsole_agent.agent")
    with app.app_context():
        upgrade()  # at head already: it only reads the logging set-up and the version table
    assert not logger.disabled
