"""Login throttling decided on plain values: how long a caller must wait, given their recent failures."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta


def retry_after_s(failure_times: Sequence[datetime], *, limit: int, window_s: int, now: datetime) -> int | None:
    """Seconds until another attempt is allowed, or None when one is allowed now.

    Allowed while fewer than ``limit`` failures happened in the last ``window_s`` seconds; once at the limit, the
    caller waits until the oldest of those failures leaves the window.
    """
    window_start = now - timedelta(seconds=window_s)
    recent = sorted(t for t in failure_times if t > window_start)
    if len(recent) < limit:
        return None
    oldest_counted = recent[-limit]
    return max(1, math.ceil((oldest_counted + timedelta(seconds=window_s) - now).total_seconds()))
