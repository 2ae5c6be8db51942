"""instrument versions are text, as ODK authors write them (1.2.0, v3, 2025-12-07, 202512071530)

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-08
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import msgspec
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None

_VERSION_LENGTH = 64
_instruments = sa.table(
    "instruments",
    sa.column("id", sa.Uuid()),
    sa.column("version"),
    sa.column("document", sa.JSON()),
    sa.column("content_hash", sa.String()),
)


def upgrade() -> None:
    with _sqlite_foreign_keys_off(), op.batch_alter_table("instruments") as batch_op:
        batch_op.drop_constraint(op.f("ck_instruments_version_positive"), type_="check")
        batch_op.alter_column(
            "version",
            existing_type=sa.BigInteger(),
            type_=sa.String(_VERSION_LENGTH),
            existing_nullable=False,
            postgresql_using="version::text",
        )
    # The document names its version too, and its hash covers it: both follow the column, so that uploading a stored
    # version again is still recognised as a replay.
    _rewrite_documents(str)


def downgrade() -> None:
    bind = op.get_bind()
    versions = bind.execute(sa.select(_instruments.c.version)).scalars().all()
    if any(not version.isdigit() for version in versions):
        raise RuntimeError(
            "Some instrument versions are not whole numbers (such as 1.2.0); remove those instruments before"
            " downgrading, as the earlier schema numbers versions."
        )
    with _sqlite_foreign_keys_off(), op.batch_alter_table("instruments") as batch_op:
        batch_op.alter_column(
            "version",
            existing_type=sa.String(_VERSION_LENGTH),
            type_=sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            existing_nullable=False,
            postgresql_using="version::bigint",
        )
        batch_op.create_check_constraint("version_positive", "version >= 1")
    _rewrite_documents(int)


@contextmanager
def _sqlite_foreign_keys_off() -> Iterator[None]:
    """SQLite changes a column's type by copying the table; waves point at its rows (ON DELETE RESTRICT), so the
    copy is made with foreign keys off, which SQLite allows only outside a transaction, and checked afterwards."""
    if op.get_bind().dialect.name != "sqlite":
        yield
        return
    with op.get_context().autocommit_block():
        op.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        violations = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").all()
        if violations:
            raise RuntimeError(f"copying the instruments table broke references: {violations}")
    finally:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=ON")


def _rewrite_documents(version_type: type) -> None:
    bind = op.get_bind()
    for row in bind.execute(sa.select(_instruments.c.id, _instruments.c.document)).all():
        document = dict(row.document)
        document["version"] = version_type(document["version"])
        bind.execute(
            _instruments.update()
            .where(_instruments.c.id == row.id)
            .values(version=document["version"], document=document, content_hash=_content_hash(document))
        )


def _content_hash(document: dict[str, Any]) -> str:
    # Frozen here as server.domain.instruments.services.content_hash was when versions became text: fields added to
    # the document after it was first hashed count only when set.
    plain = msgspec.json.decode(msgspec.json.encode(document))
    if plain.get("metadata") is None:
        plain.pop("metadata", None)
    for dimension in plain["dimensions"]:
        if dimension.get("xlsform") is None:
            dimension.pop("xlsform", None)
        for indicator in dimension["indicators"]:
            for added in ("xlsform", "choice_list", "notes"):
                if indicator.get(added) is None:
                    indicator.pop(added, None)
    return hashlib.sha256(msgspec.json.encode(plain, order="sorted")).hexdigest()
