"""fatigue settings stored on the test; reach per report row; values added to imported days; challenger link

``experiment.fatigue_recent_days``, ``fatigue_drop`` and ``fatigue_flag_probability``: the fatigue
check is set when a test starts (and edited later, audited) instead of when it is viewed;
existing tests get the defaults they were shown with (3 days, 20%, 90%).

``arm_result.reach``: people reached that day, where the report has a Reach (or Frequency)
column; fatigue then also looks at frequency (impressions per person). NULL elsewhere.

``arm_result.conversions`` and ``spend`` may be NULL: the report had no such column, so a later
report of the same day can add them (as it can add ``revenue`` and ``reach``). Rows imported
before keep their numbers (0 where the report had no column: that cannot be told apart now).

``variant.challenger_of_id``: a challenger drafted from a winning or fatigued variant keeps
that variant's id.

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FATIGUE = (
    ("fatigue_recent_days", sa.Integer(), "3"),
    ("fatigue_drop", sa.Float(), "0.2"),
    ("fatigue_flag_probability", sa.Float(), "0.9"),
)


def upgrade() -> None:
    with op.batch_alter_table("variant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("challenger_of_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_variant_challenger_of_id"), ["challenger_of_id"], unique=False
        )
        batch_op.create_foreign_key(
            "fk_variant_challenger_of_id_variant", "variant", ["challenger_of_id"], ["id"]
        )
    with op.batch_alter_table("experiment", schema=None) as batch_op:
        for name, kind, default in _FATIGUE:
            batch_op.add_column(sa.Column(name, kind, nullable=False, server_default=default))
    with op.batch_alter_table("experiment", schema=None) as batch_op:
        for name, _kind, _default in _FATIGUE:
            batch_op.alter_column(name, server_default=None)
    with op.batch_alter_table("arm_result", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reach", sa.Integer(), nullable=True))
        batch_op.alter_column("conversions", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("spend", existing_type=sa.Float(), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE arm_result SET conversions = 0 WHERE conversions IS NULL")
    op.execute("UPDATE arm_result SET spend = 0 WHERE spend IS NULL")
    with op.batch_alter_table("arm_result", schema=None) as batch_op:
        batch_op.alter_column("spend", existing_type=sa.Float(), nullable=False)
        batch_op.alter_column("conversions", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("reach")
    with op.batch_alter_table("experiment", schema=None) as batch_op:
        for name, _kind, _default in reversed(_FATIGUE):
            batch_op.drop_column(name)
    with op.batch_alter_table("variant", schema=None) as batch_op:
        batch_op.drop_constraint("fk_variant_challenger_of_id_variant", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_variant_challenger_of_id"))
        batch_op.drop_column("challenger_of_id")
