"""user_session: server-side sessions; the per-account lock-out columns give way to throttling

Revision ID: e3b8c5a1f0d2
Revises: d7a1f3c9e2b4
Create Date: 2026-12-02 19:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import app.models


# revision identifiers, used by Alembic.
revision = 'e3b8c5a1f0d2'
down_revision = 'd7a1f3c9e2b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('remember', sa.Boolean(), nullable=False),
        sa.Column('created_at', app.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', app.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', app.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('ended_reason', sa.Enum('logout', 'password', 'account', name='sessionend',
                                          native_enum=False, length=10), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index('ix_user_session_user_id', ['user_id'], unique=False)
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('locked_until')
        batch_op.drop_column('failed_logins')


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('locked_until', app.models.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index('ix_user_session_user_id')
    op.drop_table('user_session')
