"""approved media snapshot on assets; one report result per arm and day; sign-in hardening

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 08:00:00

``asset.approved_at``: assets of variants that are already approved (or later) when this runs
are marked approved at their creation time, so that existing exports keep working; every other
asset needs an approval first.

``uq_arm_result_arm_day``: before the constraint existed, concurrent imports could store a day of
an arm twice. Such extra rows (all but the earliest imported) are removed, and each one is kept
in the audit log (``experiment.result_deduplicated``) with its numbers, so nothing is lost silently.

``audit_log.origin`` records how an action arrived (the CLI and its operating-system user).

``user.sessions_valid_after`` voids sign-ins older than a password change; ``sign_in_counter``
counts password attempts before they are checked (an atomic lockout).
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPROVED = ("approved", "in_test", "winner", "retired", "exported")


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "origin",
                sqlmodel.sql.sqltypes.AutoString(length=128),
                nullable=False,
                server_default="",
            )
        )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.alter_column("origin", server_default=None)
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sessions_valid_after", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    op.create_table(
        "sign_in_counter",
        sa.Column("login_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("login_key"),
    )
    with op.batch_alter_table("asset", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("approved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    bind = op.get_bind()
    asset, variant = (
        sa.table(
            "asset", sa.column("variant_id"), sa.column("approved_at"), sa.column("created_at")
        ),
        sa.table("variant", sa.column("id"), sa.column("status")),
    )
    approved_ids = sa.select(variant.c.id).where(variant.c.status.in_(APPROVED))
    bind.execute(
        asset.update()
        .where(asset.c.variant_id.in_(approved_ids))
        .values(approved_at=asset.c.created_at)
    )

    result = sa.table(
        "arm_result",
        sa.column("id"),
        sa.column("experiment_id"),
        sa.column("arm_id"),
        sa.column("day"),
        sa.column("impressions"),
        sa.column("clicks"),
        sa.column("conversions"),
        sa.column("spend"),
        sa.column("source"),
    )
    audit = sa.table(
        "audit_log",
        sa.column("at"),
        sa.column("actor"),
        sa.column("action"),
        sa.column("entity_type"),
        sa.column("entity_id"),
        sa.column("before", sa.JSON),
        sa.column("after", sa.JSON),
    )
    rows = bind.execute(
        sa.select(result).order_by(
            result.c.experiment_id, result.c.arm_id, result.c.day, result.c.id
        )
    ).all()
    kept: set[tuple[int, int, object]] = set()
    for row in rows:
        key = (row.experiment_id, row.arm_id, row.day)
        if key not in kept:
            kept.add(key)
            continue
        bind.execute(result.delete().where(result.c.id == row.id))
        bind.execute(
            audit.insert().values(
                at=datetime.now(UTC),
                actor="migration-0005",
                action="experiment.result_deduplicated",
                entity_type="experiment",
                entity_id=str(row.experiment_id),
                before={
                    "arm_id": row.arm_id,
                    "day": str(row.day),
                    "impressions": row.impressions,
                    "clicks": row.clicks,
                    "conversions": row.conversions,
                    "spend": row.spend,
                    "source": row.source,
                },
                after={"reason": "a second row for the same arm and day; the earliest is kept"},
            )
        )
    with op.batch_alter_table("arm_result", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            "uq_arm_result_arm_day", ["experiment_id", "arm_id", "day"]
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("origin")
    op.drop_table("sign_in_counter")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("sessions_valid_after")
    with op.batch_alter_table("arm_result", schema=None) as batch_op:
        batch_op.drop_constraint("uq_arm_result_arm_day", type_="unique")
    with op.batch_alter_table("asset", schema=None) as batch_op:
        batch_op.drop_column("approved_at")
