"""What the photo routes answer besides bytes and receipts."""

from __future__ import annotations

import msgspec


class PhotoQueueOut(msgspec.Struct, kw_only=True):
    waiting: int
    """Stored photos waiting for a worker (no live lease)."""
    in_progress: int
    """Photos a worker holds a live lease on."""
    unreadable: int
    """Photos whose rendering failed for good (flagged ``photo.unreadable``)."""
    oldest_waiting_s: float | None
    """Seconds since the longest-waiting photo (leased or not) was received; null when none waits."""
