"""proposal.vote_motion_id, vote_version_number: the motion that puts a proposal to a vote

Revision ID: c6f1d3a8e2b9
Revises: b5e2d8a4c7f1
Create Date: 2026-12-03 12:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c6f1d3a8e2b9'
down_revision = 'b5e2d8a4c7f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('vote_motion_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('vote_version_number', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_proposal_vote_motion', 'motion', ['vote_motion_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_constraint('fk_proposal_vote_motion', type_='foreignkey')
        batch_op.drop_column('vote_version_number')
        batch_op.drop_column('vote_motion_id')
