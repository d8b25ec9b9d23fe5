"""effective device settings per org, for heartbeats

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 20:30:00

A heartbeat recomputed every settings group of the device's org through the org chain: 35 to 39
statements, 15 of them reading orgs. org_effective_settings holds the result per org; saving,
pushing or locking settings, turning inheritance on or off and moving, creating or (de)activating
an org rewrite the rows they affect, in the same transaction. The table starts empty: a missing
row is worked out (and stored) the first time a device of that org needs it.
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'org_effective_settings',
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('groups', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_org_effective_settings_org_id_orgs'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('org_id', name=op.f('pk_org_effective_settings')),
    )


def downgrade():
    op.drop_table('org_effective_settings')
