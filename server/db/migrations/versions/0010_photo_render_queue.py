"""photos are rendered after their receipt, from a queue kept on the photo rows

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.db.types import UtcDateTime

revision = "0010"
down_revision: str | None = "0009"
branch_labels = None
depends_on = None

_WAITING = "stored_at IS NOT NULL AND rendered_at IS NULL AND unreadable_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("photos") as batch_op:
        batch_op.add_column(sa.Column("rendered_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("unreadable_at", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("render_attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("render_lease_until", UtcDateTime(), nullable=True))
        batch_op.add_column(sa.Column("render_leased_by", sa.String(length=64), nullable=True))
    # Every photo stored before was rendered in its upload's request.
    op.execute("UPDATE photos SET rendered_at = stored_at WHERE stored_at IS NOT NULL")
    op.create_index(
        "ix_photos_render_queue",
        "photos",
        ["stored_at"],
        postgresql_where=sa.text(_WAITING),
        sqlite_where=sa.text(_WAITING),
    )


def downgrade() -> None:
    # The earlier code renders on upload and again whenever a rendering is missing, so photos still waiting are shown
    # (rendered on demand), but their perceptual hashes stay unknown, so they are never found as look-alikes.
    op.drop_index("ix_photos_render_queue", table_name="photos")
    with op.batch_alter_table("photos") as batch_op:
        for column in ("render_leased_by", "render_lease_until", "render_attempts", "unreadable_at", "rendered_at"):
            batch_op.drop_column(column)
