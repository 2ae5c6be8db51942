"""The application factory: wiring only."""

from __future__ import annotations

import gc
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar
from litestar.config.compression import CompressionConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router

from server.config import Settings, load_settings
from server.db.engine import commit_flusher, create_engine, create_session_factory
from server.domain.audit.services import AuditSealer
from server.domain.metrics.request_counts import RequestCounts
from server.domain.metrics.services import CountsPublisher
from server.domain.metrics.workers import WorkerFiles
from server.domain.photos.decoders import PhotoDecoders
from server.domain.photos.render_service import PhotoRenderer, RenderWorker
from server.domain.photos.spool import remove_stale_spool_files
from server.lib.auth import BearerTokenMiddleware
from server.lib.http import StaticFileSystem, add_security_headers, provide_db_session, provide_principal
from server.lib.openapi import document_problems
from server.lib.openapi_page import SwaggerUiPage
from server.lib.problems import EXCEPTION_HANDLERS
from server.lib.request_metrics import CountRequests
from server.lib.sessions import SessionVersions
from server.lib.storage import photo_store_from_url
from server.routes import ROUTE_HANDLERS

REPO_DIR = Path(__file__).resolve().parent.parent
PWA_DIR = REPO_DIR / "pwa"
CONSOLE_DIR = REPO_DIR / "console"
SHARED_WEB_DIR = REPO_DIR / "web" / "shared"
# The OpenRosa routes carry their credential, a Collect key, in the path (OpenRosaService.surveyor checks it).
PUBLIC_API_PATHS = ["^/api/auth/", "^/api/public/", "^/api/openrosa/"]


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or load_settings()

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncGenerator[None, None]:
        engine = create_engine(settings.database_url, echo=settings.echo_sql, group_commit=True)
        app.state.engine = engine
        app.state.commit_flusher = commit_flusher(engine)
        app.state.session_factory = create_session_factory(engine)
        app.state.read_session_factory = create_session_factory(engine, read_only=True)
        app.state.session_versions = SessionVersions(engine)
        app.state.photo_store = photo_store_from_url(settings.photo_store_url, settings.data_dir)
        await app.state.photo_store.cleanup_temp()
        for spool_dir in (settings.photo_spool_dir, settings.photo_render_dir):
            spool_dir.mkdir(parents=True, exist_ok=True)
            await remove_stale_spool_files(spool_dir)
        app.state.photo_decoders = PhotoDecoders(settings.photo_decoders)
        app.state.render_worker = None
        if settings.photo_worker:
            # Decoders of its own: an upload's header check never waits in line behind a batch of renderings.
            renderer = PhotoRenderer(
                app.state.session_factory, settings, app.state.photo_store, PhotoDecoders(settings.photo_decoders)
            )
            app.state.render_worker = RenderWorker(renderer, poll_s=settings.photo_queue_poll_s)
            app.state.render_worker.start()
        app.state.audit_sealer = AuditSealer(app.state.session_factory, engine.sync_engine)
        app.state.audit_sealer.start()
        app.state.metrics_workers = WorkerFiles(settings.metrics_dir)
        counts_publisher = CountsPublisher(request_counts, app.state.metrics_workers)
        counts_publisher.start()
        # Everything built so far lives as long as the process: keep the garbage collector from walking it on every
        # collection (it was ~40 % of a large results request's CPU time).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await counts_publisher.stop()
            await app.state.audit_sealer.stop()
            if app.state.render_worker is not None:
                await app.state.render_worker.stop()
                app.state.render_worker.renderer.decoders.close()
            app.state.photo_decoders.close()
            await app.state.session_versions.close()
            await engine.dispose()
            app.state.commit_flusher.close()

    request_counts = RequestCounts()
    auth = DefineMiddleware(BearerTokenMiddleware, exclude=PUBLIC_API_PATHS)
    handlers = list(ROUTE_HANDLERS)
    # The supervisors' and admins' console (desktop), the surveyors' phone app and the modules both load (/shared/:
    # DOM building, the translation core) are static files.
    for path, directory, name in (
        ("/shared", SHARED_WEB_DIR, "shared"),
        ("/console", CONSOLE_DIR, "console"),
        ("/", PWA_DIR, "pwa"),
    ):
        if directory.is_dir():
            handlers.append(
                create_static_files_router(
                    path=path,
                    directories=[directory],
                    html_mode=True,
                    include_in_schema=False,
                    name=name,
                    file_system=StaticFileSystem(),
                )
            )
    app = Litestar(
        route_handlers=handlers,
        lifespan=[lifespan],
        state=State({"settings": settings, "request_counts": request_counts}),
        dependencies={
            "db_session": Provide(provide_db_session),
            "principal": Provide(provide_principal, sync_to_thread=False),
        },
        middleware=[auth],
        before_send=[add_security_headers],
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        request_max_body_size=settings.max_json_bytes,
        # Phones on 2G fetch the app shell and JSON compressed; photos are compressed already, and receipts are a
        # few hundred bytes (even setting up a compressor per request showed in the sync benchmark's profile).
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=1024, gzip_compress_level=6, exclude=["^/api/photos/", "^/api/visits/"]
        ),
        openapi_config=OpenAPIConfig(
            title="Sidak API",
            version="1",
            description="Unannounced compliance visits: sync contract, admin, review and results.",
            path="/schema",
            # /schema/swagger too: the address Litestar's own Swagger page had.
            render_plugins=[SwaggerUiPage(path=["/", "/swagger"])],
            components=Components(
                security_schemes={
                    "BearerToken": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT"),
                }
            ),
            security=[{"BearerToken": []}],
        ),
        debug=False,
    )
    document_problems(app)
    # Around the whole handler, not as a middleware, so that requests no route takes are counted too.
    app.asgi_handler = CountRequests(app.asgi_handler, request_counts)
    return app
