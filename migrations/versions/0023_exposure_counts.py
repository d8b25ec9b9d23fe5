"""exposure counts: each actor's exposed files by hour and by day, for bounding alert rules' windows

The table webconsole.domain.exposure_counts keeps as events are stored, filled here from the events
already stored. The statements are this revision's own copy, so later changes to the module cannot
change what this migration does.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 02:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

BYTES_MAX = 2**61
KEY = "user_id, username, span, hour, exposure, event_type, category"


def _fill(dialect, span):
    seconds = 3600 * span
    if dialect == "postgresql":
        hour = f"(floor(extract(epoch FROM event_at) / {seconds})::bigint * {span})"
        size = f"LEAST(coalesce(sum(file_size), 0), {BYTES_MAX})::bigint"
    else:
        s = "CAST(strftime('%s', substr(event_at, 1, 19)) AS INTEGER)"
        hour = f"((({s}) - ((({s}) % {seconds}) + {seconds}) % {seconds}) / 3600)"
        size = f"CAST(min(total(file_size), {BYTES_MAX}) AS INTEGER)"
    return (f"INSERT INTO exposure_counts ({KEY}, files, bytes, max_id) "
            f"SELECT coalesce(user_id, 0), CASE WHEN user_id IS NULL THEN username ELSE '' END, {span}, {hour}, "
            f"exposure, event_type, coalesce(file_category, ''), count(*), {size}, max(id) FROM file_events "
            "WHERE exposure != 0 OR event_type = 'EMAILED' GROUP BY 1, 2, 3, 4, 5, 6, 7")


def upgrade():
    op.create_table('exposure_counts',
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('username', sa.String(length=255), nullable=False),
    sa.Column('span', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('hour', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('exposure', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('event_type', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=24), nullable=False),
    sa.Column('files', sa.BigInteger(), nullable=False),
    sa.Column('bytes', sa.BigInteger(), nullable=False),
    sa.Column('max_id', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('user_id', 'username', 'span', 'hour', 'exposure', 'event_type', 'category',
                            name=op.f('pk_exposure_counts'))
    )
    dialect = op.get_bind().dialect.name
    for span in (1, 24):
        op.execute(_fill(dialect, span))


def downgrade():
    op.drop_table('exposure_counts')
