"""a user's colour theme, kept like their language

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 12:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('users', sa.Column('theme', sa.String(length=8), nullable=True))


def downgrade():
    op.drop_column('users', 'theme')
