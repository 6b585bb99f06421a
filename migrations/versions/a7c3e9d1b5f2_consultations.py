"""consultations (non-binding) on a proposal version, and members' responses

Revision ID: a7c3e9d1b5f2
Revises: fd884ee67549
Create Date: 2026-12-03 10:50:00

"""
from alembic import op
import sqlalchemy as sa

import app.models  # noqa: F401  (custom column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'a7c3e9d1b5f2'
down_revision = 'fd884ee67549'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('consultation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('scheduled', 'open', 'closed', name='consultationstate', native_enum=False, length=9), nullable=False),
    sa.Column('opens_at', app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closes_at', app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', app.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('confidential', sa.Boolean(), nullable=False),
    sa.Column('weight_policy_json', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(state = 'closed') = (closed_at IS NOT NULL)", name='consultation_closed_at'),
    sa.CheckConstraint('closes_at > opens_at', name='consultation_times'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['proposal_version.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('version_id')
    )
    op.create_table('consultation_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.Enum('support', 'support_changes', 'oppose', 'abstain', name='choice', native_enum=False, length=15), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('comment_lang', sa.String(length=2), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(comment) <= 2000', name='consultation_response_comment'),
    sa.CheckConstraint('revision >= 1', name='consultation_response_revision'),
    sa.ForeignKeyConstraint(['answered_by_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('consultation_id', 'member_id', name='uq_consultation_member')
    )
    with op.batch_alter_table('consultation_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_response_consultation_id'), ['consultation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('consultation_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_response_consultation_id'))
    op.drop_table('consultation_response')
    op.drop_table('consultation')
