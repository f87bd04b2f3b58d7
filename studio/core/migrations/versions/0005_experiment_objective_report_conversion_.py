"""experiment objective, report conversion value

A test chooses its winner on an objective (``ctr``, ``conversion_rate``, ``cpa``, ``roas``);
existing tests keep CTR. Report rows may carry the conversion value (``revenue``, NULL where the
report had no such column), which the ``roas`` objective needs.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:15:55.853468
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("arm_result", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revenue", sa.Float(), nullable=True))
    with op.batch_alter_table("experiment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("objective", sa.String(length=32), nullable=False, server_default="ctr")
        )
    with op.batch_alter_table("experiment", schema=None) as batch_op:
        batch_op.alter_column("objective", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("experiment", schema=None) as batch_op:
        batch_op.drop_column("objective")
    with op.batch_alter_table("arm_result", schema=None) as batch_op:
        batch_op.drop_column("revenue")
