"""instrument versions are 64-bit, for ODK's date-and-time version numbers (202512071530)

Revision ID: 0007
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite's INTEGER is 64-bit already; only PostgreSQL's column changes (a rewrite of a small table).
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "instruments", "version", existing_type=sa.Integer(), type_=sa.BigInteger(), existing_nullable=False
        )


def downgrade() -> None:
    # Fails while a stored version is past 2,147,483,647: such an instrument must be removed first, by hand.
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "instruments", "version", existing_type=sa.BigInteger(), type_=sa.Integer(), existing_nullable=False
        )
