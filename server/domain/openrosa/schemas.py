"""The console's view of Collect keys."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec


class IssuedCollectKey(msgspec.Struct):
    """Shown once: the key is in ``server_url`` and in the QR code, and the server keeps only its hash."""

    surveyor_id: uuid.UUID
    server_url: str
    settings: str
    qr_svg: str
    issued_at: datetime


class SurveyorCollectKey(msgspec.Struct):
    surveyor_id: uuid.UUID
    username: str
    display_name: str
    key_issued_at: datetime | None
