"""arm joined a running test

``arm.joined_at``: when an arm was added to a test that was already running (an approved
challenger joining as a new arm). NULL for the arms a test started with: they joined when it
was created. Report rows of a late arm dated before the day it joined are refused.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("arm", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("joined_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("arm", schema=None) as batch_op:
        batch_op.drop_column("joined_at")
