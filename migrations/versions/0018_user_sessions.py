"""server-side sessions

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 17:40:00

Signing out only dropped the browser's cookie: a copied cookie kept working, since the cookie
named the user and a per-user session version. Sessions now live in user_sessions (the cookie
holds a random token, the table its hash), so sign-out, password changes, blocking and
deactivation delete them, and My Profile lists them. The session version is no longer needed.
"""
from alembic import op
import sqlalchemy as sa

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('user_agent', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_user_sessions_token_hash'))
    )
    op.create_index('ix_user_sessions_user_id_last_seen_at', 'user_sessions', ['user_id', 'last_seen_at'], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        # Not batch mode: recreating users would drop the triggers that keep its totals and name index.
        op.execute("ALTER TABLE users DROP COLUMN session_version")
    else:
        op.drop_column('users', 'session_version')


def downgrade():
    op.add_column('users', sa.Column('session_version', sa.Integer(), nullable=False, server_default='1'))
    op.drop_index('ix_user_sessions_user_id_last_seen_at', table_name='user_sessions')
    op.drop_table('user_sessions')
