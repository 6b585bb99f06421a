"""witness cosignatures of checkpoints (issue 17 part 4)

Revision ID: b9e4f2a7c1d3
Revises: c5e1a9d3b7f2
Create Date: 2026-12-03 17:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

import app.models  # noqa: F401  (custom column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'b9e4f2a7c1d3'
down_revision = 'c5e1a9d3b7f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('log_cosignature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('log_id', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('witness_key', sa.String(length=1000), nullable=False),
    sa.Column('line', sa.Text(), nullable=False),
    sa.Column('cosigned_at', app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', app.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['log_id'], ['transparency_log.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('log_id', 'size', 'witness_key', name='uq_log_cosignature')
    )
    with op.batch_alter_table('log_cosignature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_log_cosignature_log_id'), ['log_id'], unique=False)


def downgrade():
    with op.batch_alter_table('log_cosignature', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_log_cosignature_log_id'))
    op.drop_table('log_cosignature')
