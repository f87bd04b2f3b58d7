"""variant list indexes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 14:10:00

Two composite indexes on ``variant`` for the paged lists (Review, Gallery, Overview counts):
``(brand, status, predicted_ctr)`` and ``(brand, predicted_ctr)``. With 10,000 variants the
lists and counts read these instead of every row of a brand (each row holds its prompt).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("variant", schema=None) as batch_op:
        batch_op.create_index(
            "ix_variant_brand_status_ctr", ["brand", "status", "predicted_ctr"], unique=False
        )
        batch_op.create_index("ix_variant_brand_ctr", ["brand", "predicted_ctr"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("variant", schema=None) as batch_op:
        batch_op.drop_index("ix_variant_brand_ctr")
        batch_op.drop_index("ix_variant_brand_status_ctr")
