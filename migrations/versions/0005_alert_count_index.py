"""covering indexes for the dashboard and the organization report

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 21:48:00

"""
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index('ix_devices_status_org_id_last_completed_backup',
                              ['status', 'org_id', 'last_completed_backup', 'created_at', 'selected_bytes',
                               'archive_bytes', 'last_connected'], unique=False)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_status_org_id', ['status', 'org_id'], unique=False)


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_status_org_id')
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index('ix_devices_status_org_id_last_completed_backup')
