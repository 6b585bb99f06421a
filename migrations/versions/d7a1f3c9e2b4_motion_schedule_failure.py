"""motion.schedule_failure: why a scheduled opening was refused

Revision ID: d7a1f3c9e2b4
Revises: c46834ede3c1
Create Date: 2026-11-30 14:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd7a1f3c9e2b4'
down_revision = 'c46834ede3c1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('motion', schema=None) as batch_op:
        batch_op.add_column(sa.Column('schedule_failure', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('motion', schema=None) as batch_op:
        batch_op.drop_column('schedule_failure')
