"""single sign-on: OpenID Connect identity providers and the orgs that sign in through them

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 08:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('identity_providers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('issuer', sa.String(length=500), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('sealed_secret', sa.Text(), nullable=False),
    sa.Column('scopes', sa.String(length=255), nullable=False),
    sa.Column('username_claim', sa.String(length=100), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('jit_enabled', sa.Boolean(), nullable=False),
    sa.Column('jit_org_id', sa.Integer(), nullable=True),
    sa.Column('jit_role_id', sa.Integer(), nullable=True),
    sa.Column('created_by_username', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['jit_org_id'], ['orgs.id'], name=op.f('fk_identity_providers_jit_org_id_orgs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['jit_role_id'], ['roles.id'], name=op.f('fk_identity_providers_jit_role_id_roles'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_identity_providers'))
    )
    op.create_table('identity_provider_orgs',
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('provider_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['orgs.id'], name=op.f('fk_identity_provider_orgs_org_id_orgs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['provider_id'], ['identity_providers.id'], name=op.f('fk_identity_provider_orgs_provider_id_identity_providers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('org_id', name=op.f('pk_identity_provider_orgs'))
    )
    with op.batch_alter_table('identity_provider_orgs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_identity_provider_orgs_provider_id'), ['provider_id'], unique=False)


def downgrade():
    with op.batch_alter_table('identity_provider_orgs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_identity_provider_orgs_provider_id'))
    op.drop_table('identity_provider_orgs')
    op.drop_table('identity_providers')
