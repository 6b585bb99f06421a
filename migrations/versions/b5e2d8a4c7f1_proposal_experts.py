"""temporary subject-matter experts on proposals

Revision ID: b5e2d8a4c7f1
Revises: 3e3159997245
"""
import sqlalchemy as sa
from alembic import op

revision = "b5e2d8a4c7f1"
down_revision = "3e3159997245"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proposal_expert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), sa.ForeignKey("proposal.id", ondelete="CASCADE"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_by_id", sa.Integer(), sa.ForeignKey("user_account.id", ondelete="SET NULL"), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_proposal_expert_proposal_id", "proposal_expert", ["proposal_id"])
    op.create_index("ix_proposal_expert_user_id", "proposal_expert", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_proposal_expert_user_id", table_name="proposal_expert")
    op.drop_index("ix_proposal_expert_proposal_id", table_name="proposal_expert")
    op.drop_table("proposal_expert")
