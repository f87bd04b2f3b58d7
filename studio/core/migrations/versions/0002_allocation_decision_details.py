"""allocation decision details: what a reweighting needs to be re-evaluated offline

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:23:53.991274
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Decisions logged before this revision get an empty object (the column is NOT NULL).
    with op.batch_alter_table("allocation_decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details", sa.JSON(), nullable=False, server_default="{}"))
    with op.batch_alter_table("allocation_decision", schema=None) as batch_op:
        batch_op.alter_column("details", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("allocation_decision", schema=None) as batch_op:
        batch_op.drop_column("details")
