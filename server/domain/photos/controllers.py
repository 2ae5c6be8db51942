"""HTTP for photo evidence: raw image bytes in, stored variants out."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, put
from litestar.background_tasks import BackgroundTask
from litestar.datastructures.state import State
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.photos import queries
from server.domain.photos.render_service import nudge_render_worker
from server.domain.photos.schemas import PhotoQueueOut
from server.domain.photos.services import PhotoService
from server.domain.visits.documents import Receipt
from server.lib import clock
from server.lib.auth import Principal, admin_only, anyone_logged_in, surveyors

# Content-addressed bytes never change; "private" keeps shared proxies from keeping evidence.
PHOTO_CACHE_CONTROL = "private, max-age=604800, immutable"


def _service(db_session: AsyncSession, state: State) -> PhotoService:
    return PhotoService(db_session, state.session_factory, state.settings, state.photo_store, state.photo_decoders)


def _content_length(request: Request[Any, Any, Any]) -> int | None:
    raw = request.headers.get("content-length", "")
    return int(raw) if raw.isdigit() else None


def _matches(if_none_match: str, etag: str) -> bool:
    candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" in candidates or etag in candidates


class PhotoController(Controller):
    path = "/api"
    tags = ["sync"]

    # The size cap is the photo store's setting (``max_photo_bytes``, known only once the app is made), enforced
    # from Content-Length and again while the body streams to disk; Litestar's JSON-sized limit must not apply.
    @put(
        "/visits/{visit_id:uuid}/photos/{photo_id:uuid}",
        guards=[surveyors],
        request_max_body_size=None,
        summary="Send a declared photo's raw bytes",
        description="Content-Type image/jpeg, image/png, image/webp or image/heic (the family declared). 201 when "
        "this upload stored the photo, 200 when it was already stored; 422 `photo.hash_mismatch` "
        "(nothing kept), 415 not an image, 413 over the size or pixel limit, 404 "
        "`photo.not_declared`, 422 `photo.unreadable` for damaged image data.",
    )
    async def put_photo(
        self,
        visit_id: FromPath[uuid.UUID],
        photo_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Response[Receipt]:
        outcome = await _service(db_session, state).put_photo(
            visit_id,
            photo_id,
            principal,
            content_type=request.headers.get("content-type", ""),
            content_length=_content_length(request),
            body=request.stream(),
        )
        if not outcome.stored_now:
            return Response(outcome.receipt, status_code=200)
        # After the answer, so after the commit: the render queue only sees the photo once it is committed.
        return Response(outcome.receipt, status_code=201, background=BackgroundTask(nudge_render_worker, state))

    @get(
        "/photos/{photo_id:uuid}/{variant:str}",
        guards=[anyone_logged_in],
        summary="A stored photo: original, display (1600 px JPEG) or thumb (320 px JPEG)",
    )
    async def get_photo(
        self,
        photo_id: FromPath[uuid.UUID],
        variant: FromPath[str],
        request: Request[Any, Any, Any],
        db_session: NamedDependency[AsyncSession],
        state: State,
        principal: NamedDependency[Principal],
    ) -> Response[Any]:
        service = _service(db_session, state)
        photo = await service.locate(photo_id, variant, principal)
        headers = {"ETag": photo.etag, "Cache-Control": PHOTO_CACHE_CONTROL}
        if _matches(request.headers.get("if-none-match", ""), photo.etag):
            return Response(None, status_code=304, headers=headers)
        if photo.size is not None:
            headers["Content-Length"] = str(photo.size)
        return Stream(await service.open_stream(photo), media_type=photo.content_type, headers=headers)


class PhotoQueueController(Controller):
    path = "/api/admin/photo-queue"
    tags = ["admin"]
    guards = [admin_only]

    @get(
        "/",
        summary="The render queue: photos received and waiting to be rendered, in progress, unreadable",
        description="`waiting` (no worker holds them), `in_progress` (a worker's lease is live), `unreadable` "
        "(rendering failed for good), `oldest_waiting_s` (age of the longest-waiting photo, null when none).",
    )
    async def photo_queue(self, db_session: NamedDependency[AsyncSession]) -> PhotoQueueOut:
        depth = await queries.queue_depth(db_session, clock.now())
        return PhotoQueueOut(
            waiting=depth.waiting,
            in_progress=depth.in_progress,
            unreadable=depth.unreadable,
            oldest_waiting_s=depth.oldest_waiting_s,
        )
