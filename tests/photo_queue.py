"""Running the render queue in tests: rendering happens after a photo's receipt, so a test that looks at renderings,
perceptual hashes or the flags that need them drains the queue first (never sleeps for a worker)."""

from __future__ import annotations

from typing import Any

from server.domain.photos.render_service import PhotoRenderer


def renderer(app: Any) -> PhotoRenderer:
    state = app.state
    return PhotoRenderer(state.session_factory, state.settings, state.photo_store, state.photo_decoders)


async def drain(app: Any) -> int:
    """Render every waiting photo (as ``sidak worker`` would) until none waits; how many were claimed."""
    return await renderer(app).drain()
