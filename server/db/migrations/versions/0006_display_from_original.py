"""a phone photo's display image is served from its original

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Null for every photo stored before: their display images are files of their own, as they were.
    op.add_column(
        "photos",
        sa.Column(
            "display_ranges",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
    )


def downgrade() -> None:
    # A display image served from its original has no file: downgrading would leave those photos without one until
    # it is rendered again on demand (which the earlier code does when a display file is missing).
    with op.batch_alter_table("photos") as batch_op:
        batch_op.drop_column("display_ranges")
