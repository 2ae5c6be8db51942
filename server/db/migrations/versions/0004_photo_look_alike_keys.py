"""the look-alike search reads an index of perceptual-hash bands

Revision ID: 0004
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0007"
branch_labels = None
depends_on = None

_BATCH = 5_000
# Frozen here as it was when the keys were first written: 4 bands of 16 bits, the band's number above its value
# (server.domain.visits.look_alike_index); a change of layout is a migration of its own.
_BANDS, _BAND_BITS = 4, 16


def upgrade() -> None:
    keys = op.create_table(
        "photo_look_alike_keys",
        sa.Column("photo_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.Integer(), nullable=False),
        sa.Column("surveyor_id", sa.Uuid(), nullable=False),
        sa.Column("unit_id", sa.Uuid(), nullable=False),
        sa.Column("phash", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["photos.id"], name=op.f("fk_photo_look_alike_keys_photo_id_photos"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("photo_id", "key", name=op.f("pk_photo_look_alike_keys")),
    )
    with op.batch_alter_table("photo_look_alike_keys", schema=None) as batch_op:
        batch_op.create_index("ix_photo_look_alike_keys_surveyor_key", ["surveyor_id", "key", "phash"], unique=False)
        batch_op.create_index("ix_photo_look_alike_keys_unit_key", ["unit_id", "key", "phash"], unique=False)
    for rows in _hashed_photos_in_batches():
        op.bulk_insert(keys, [key_row for row in rows for key_row in _key_rows(row)])


def downgrade() -> None:
    op.drop_table("photo_look_alike_keys")


def _hashed_photos_in_batches() -> Iterator[list[Any]]:
    photos = sa.table("photos", sa.column("id", sa.Uuid()), sa.column("visit_id", sa.Uuid()), sa.column("phash"))
    visits = sa.table(
        "visits", sa.column("id", sa.Uuid()), sa.column("surveyor_id", sa.Uuid()), sa.column("unit_id", sa.Uuid())
    )
    query = (
        sa.select(photos.c.id, photos.c.phash, visits.c.surveyor_id, visits.c.unit_id)
        .join(visits, visits.c.id == photos.c.visit_id)
        .where(photos.c.phash.is_not(None), sa.func.length(photos.c.phash) == _BANDS * _BAND_BITS // 4)
        .order_by(photos.c.id)
    )
    result = op.get_bind().execute(query)
    while rows := result.fetchmany(_BATCH):
        yield list(rows)


def _key_rows(row: Any) -> list[dict[str, Any]]:
    value = int(row.phash, 16)
    mask = (1 << _BAND_BITS) - 1
    return [
        {
            "photo_id": row.id,
            "key": (band << _BAND_BITS) | ((value >> (band * _BAND_BITS)) & mask),
            "surveyor_id": row.surveyor_id,
            "unit_id": row.unit_id,
            "phash": row.phash,
        }
        for band in range(_BANDS)
    ]
