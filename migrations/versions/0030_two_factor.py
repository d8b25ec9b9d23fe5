"""two-factor sign-in: TOTP secrets, recovery codes, and the org setting that requires them

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_two_factor',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('sealed_secret', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('enrolled_at', sa.DateTime(), nullable=True),
    sa.Column('last_step', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_two_factor_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_two_factor'))
    )
    op.create_table('user_recovery_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_recovery_codes_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_recovery_codes'))
    )
    op.create_index('ix_user_recovery_codes_user_id', 'user_recovery_codes', ['user_id'], unique=False)
    # A plain ADD COLUMN (no batch copy of the table), so the orgs table's triggers (0015) stay as they are.
    op.add_column('orgs', sa.Column('require_two_factor', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    op.drop_column('orgs', 'require_two_factor')  # SQLite 3.35+ drops it in place, triggers kept
    op.drop_index('ix_user_recovery_codes_user_id', table_name='user_recovery_codes')
    op.drop_table('user_recovery_codes')
    op.drop_table('user_two_factor')
