"""experiment: relative loss threshold, resolved sample-ratio mismatch days

The winner rule's loss threshold becomes relative to the leader's CTR (``max_relative_loss``,
0.01 = 1%) instead of an absolute CTR difference; existing tests get the default 1%. A person can
mark the sample-ratio mismatch of days up to ``srm_resolved_through`` as explained.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 07:49:51.943782
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("experiment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("max_relative_loss", sa.Float(), nullable=False, server_default="0.01")
        )
        batch_op.add_column(sa.Column("srm_resolved_through", sa.Date(), nullable=True))
        batch_op.drop_column("max_expected_loss")
    with op.batch_alter_table("experiment", schema=None) as batch_op:
        batch_op.alter_column("max_relative_loss", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("experiment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("max_expected_loss", sa.Float(), nullable=False, server_default="0.0005")
        )
        batch_op.drop_column("srm_resolved_through")
        batch_op.drop_column("max_relative_loss")
    with op.batch_alter_table("experiment", schema=None) as batch_op:
        batch_op.alter_column("max_expected_loss", server_default=None)
