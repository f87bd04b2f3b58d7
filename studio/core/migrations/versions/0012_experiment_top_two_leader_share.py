"""top-two leader share stored on the test

``experiment.top_two_leader_share``: under top-two Thompson sampling, the share of traffic the
leader keeps. The studio's default became top-two Thompson sampling with the leader keeping
0.85; the share used to be a constant (0.5), so a running top-two test would have changed its
split silently. Each test now keeps its own: tests that existed before get 0.5, what they ran
with.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("experiment", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("top_two_leader_share", sa.Float(), nullable=False, server_default="0.5")
        )
    with op.batch_alter_table("experiment", schema=None) as batch_op:
        batch_op.alter_column("top_two_leader_share", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("experiment", schema=None) as batch_op:
        batch_op.drop_column("top_two_leader_share")
