"""an index on file events' source event id: the clients name events by it alone

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 09:10:00

"""
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade():
    # The unique (origin, event_id) index cannot serve a lookup by event_id alone: origins are per device.
    op.create_index('ix_file_events_event_id', 'file_events', ['event_id'], unique=False)


def downgrade():
    op.drop_index('ix_file_events_event_id', table_name='file_events')
