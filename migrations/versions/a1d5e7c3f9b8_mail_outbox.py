"""mail outbox (messages queued with the action that causes them, delivered by `lipvote mail`), notifications sent, opt-outs

Revision ID: a1d5e7c3f9b8
Revises: a7d2e9c4b1f6
Create Date: 2026-12-03 14:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

import app.models  # noqa: F401  (custom column types such as UTCDateTime)


# revision identifiers, used by Alembic.
revision = 'a1d5e7c3f9b8'
down_revision = 'a7d2e9c4b1f6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mail_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('to_name', sa.String(length=120), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('queued', 'sent', 'dead', name='mailstate', native_enum=False, length=6), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('created_at', app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_attempt_at', app.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', app.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=500), nullable=True),
    sa.Column('unsubscribe_url', sa.String(length=500), nullable=True),
    sa.Column('calendar', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.create_index('ix_mail_message_due', ['state', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_message_user_id'), ['user_id'], unique=False)

    op.create_table('notification_sent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('motion_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', app.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['motion_id'], ['motion.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('kind', 'motion_id', 'user_id', name='uq_notification_once')
    )
    op.create_table('mail_opt_out',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('at', app.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'kind')
    )


def downgrade():
    op.drop_table('mail_opt_out')
    op.drop_table('notification_sent')
    with op.batch_alter_table('mail_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_message_user_id'))
        batch_op.drop_index('ix_mail_message_due')

    op.drop_table('mail_message')
