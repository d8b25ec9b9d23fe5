"""per-org totals of active users and devices, kept by triggers, for the organization report

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-26 06:00:00

The organization report summed every active device's bytes and counted every active user per org
on each request (45 ms at 200 000 devices and 100 000 users, over the list budget). org_totals
holds those figures per org. Triggers on orgs, users and devices keep them, so every write path
(console, agents, bulk loads, SQL by hand) moves them in its own transaction: an org's row is made
with the org, and a user or device adds what it counts to its org's row and takes it from the row
it leaves (an org move, a status change, changed bytes, a delete).
"""
import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

# What a row of each table adds to its org's totals while it counts (status 'active').
ADDS = {
    "users": {"users": "1"},
    "devices": {"devices": "1", "selected_bytes": "{row}.selected_bytes", "archive_bytes": "{row}.archive_bytes"},
}
WATCHED = {"users": "status, org_id", "devices": "status, org_id, selected_bytes, archive_bytes"}


def _update(table, row, sign):
    changes = ", ".join(f"{column} = {column} {sign} {value.format(row=row)}" for column, value in ADDS[table].items())
    return f"UPDATE org_totals SET {changes} WHERE org_id = {row}.org_id"


def upgrade():
    op.create_table(
        'org_totals',
        sa.Column('org_id', sa.Integer(), nullable=False),
        sa.Column('users', sa.Integer(), nullable=False),
        sa.Column('devices', sa.Integer(), nullable=False),
        sa.Column('selected_bytes', sa.BigInteger(), nullable=False),
        sa.Column('archive_bytes', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_org_totals_org_id_orgs'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('org_id', name=op.f('pk_org_totals')),
    )
    op.execute("""INSERT INTO org_totals (org_id, users, devices, selected_bytes, archive_bytes)
        SELECT orgs.id,
            (SELECT count(*) FROM users WHERE users.org_id = orgs.id AND users.status = 'active'),
            (SELECT count(*) FROM devices WHERE devices.org_id = orgs.id AND devices.status = 'active'),
            (SELECT coalesce(sum(selected_bytes), 0) FROM devices WHERE devices.org_id = orgs.id
                AND devices.status = 'active'),
            (SELECT coalesce(sum(archive_bytes), 0) FROM devices WHERE devices.org_id = orgs.id
                AND devices.status = 'active')
        FROM orgs""")
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers():
    op.execute("""CREATE TRIGGER org_totals_org_insert AFTER INSERT ON orgs BEGIN
        INSERT INTO org_totals (org_id, users, devices, selected_bytes, archive_bytes) VALUES (new.id, 0, 0, 0, 0);
    END""")
    for table in ADDS:
        leave = _update(table, "old", "-") + " AND old.status = 'active'"
        join = _update(table, "new", "+") + " AND new.status = 'active'"
        op.execute(f"CREATE TRIGGER org_totals_{table}_insert AFTER INSERT ON {table} BEGIN {join}; END")
        op.execute(f"CREATE TRIGGER org_totals_{table}_update AFTER UPDATE OF {WATCHED[table]} ON {table} "
                   f"BEGIN {leave}; {join}; END")
        op.execute(f"CREATE TRIGGER org_totals_{table}_delete AFTER DELETE ON {table} BEGIN {leave}; END")


def _postgresql_triggers():
    op.execute("""CREATE FUNCTION org_totals_org_insert() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO org_totals (org_id, users, devices, selected_bytes, archive_bytes) VALUES (NEW.id, 0, 0, 0, 0);
        RETURN NULL;
    END $$""")
    op.execute("CREATE TRIGGER org_totals_org_insert AFTER INSERT ON orgs FOR EACH ROW "
               "EXECUTE FUNCTION org_totals_org_insert()")
    for table in ADDS:
        op.execute(f"""CREATE FUNCTION org_totals_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'INSERT' THEN
                IF OLD.status = 'active' THEN {_update(table, "OLD", "-")}; END IF;
            END IF;
            IF TG_OP <> 'DELETE' THEN
                IF NEW.status = 'active' THEN {_update(table, "NEW", "+")}; END IF;
            END IF;
            RETURN NULL;
        END $$""")
        op.execute(f"CREATE TRIGGER org_totals_{table} AFTER INSERT OR UPDATE OF {WATCHED[table]} OR DELETE "
                   f"ON {table} FOR EACH ROW EXECUTE FUNCTION org_totals_{table}()")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, table in (("org_totals_org_insert", "orgs"), ("org_totals_users", "users"),
                            ("org_totals_devices", "devices")):
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
    else:
        op.execute("DROP TRIGGER IF EXISTS org_totals_org_insert")
        for table in ADDS:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS org_totals_{table}_{event}")
    op.drop_table('org_totals')
