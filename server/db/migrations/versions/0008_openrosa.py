"""ODK Collect keys, the OpenRosa submissions behind visits, and the attachments of split submissions

Revision ID: 0008
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from server.db.types import UtcDateTime

revision = "0008"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "collect_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("revoked_at", UtcDateTime(), nullable=True),
        sa.Column("revoked_by", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_collect_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["users.id"], name=op.f("fk_collect_tokens_created_by_users"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by"], ["users.id"], name=op.f("fk_collect_tokens_revoked_by_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collect_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_collect_tokens_token_hash")),
    )
    with op.batch_alter_table("collect_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collect_tokens_user_id"), ["user_id"], unique=False)

    op.create_table(
        "openrosa_submissions",
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("xml_sha256", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=200), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_openrosa_submissions_visit_id_visits"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("visit_id", name=op.f("pk_openrosa_submissions")),
    )

    op.create_table(
        "openrosa_staged_files",
        sa.Column("instance_id", sa.Uuid(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_openrosa_staged_files_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("instance_id", "filename", name=op.f("pk_openrosa_staged_files")),
    )
    with op.batch_alter_table("openrosa_staged_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_openrosa_staged_files_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("openrosa_staged_files")
    op.drop_table("openrosa_submissions")
    op.drop_table("collect_tokens")
