"""motion.seed_secret: the tie-break secret leaf 0 commits to, kept until the close reveals it

Revision ID: a7d2e9c4b1f6
Revises: c6f1d3a8e2b9
Create Date: 2026-12-03 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a7d2e9c4b1f6'
down_revision = 'c6f1d3a8e2b9'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('motion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('seed_secret', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('motion', schema=None) as batch_op:
        batch_op.drop_column('seed_secret')
