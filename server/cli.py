"""The `sidak` command line: serve, worker, demo, db upgrade/downgrade, createuser, audit verify, backup, restore."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

# Only what parsing the arguments needs is imported here: multiprocessing imports the main module again in every
# photo decoding process, which need none of the app (alembic and SQLAlchemy alone were ~20 MB in each).
from server.config import Settings, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    return int(args.run(args) or 0)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sidak", description="Sidak: unannounced compliance visits.")
    commands = parser.add_subparsers(title="commands")

    serve = commands.add_parser("serve", help="upgrade the database, then serve the app and the phone app")
    serve.add_argument("--host", default=os.environ.get("SIDAK_HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("SIDAK_PORT", "8000")))
    serve.add_argument("--workers", type=int, default=int(os.environ.get("SIDAK_WORKERS", "1")))
    # The HTTPS proxy in front (README, "Deployment") keeps the access log; writing it here too costs every request.
    serve.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=os.environ.get("SIDAK_ACCESS_LOG", "").lower() in ("1", "true", "yes"),
    )
    serve.set_defaults(run=_serve)

    worker = commands.add_parser("worker", help="render the photo queue (alone: no web server); scales out")
    worker.set_defaults(run=_worker)

    demo = commands.add_parser("demo", help="fill an empty database with demo data and print the logins")
    demo.add_argument("--reset", action="store_true", help="wipe a non-empty database first (destroys its data)")
    demo.set_defaults(run=_demo)

    db = commands.add_parser("db", help="database migrations").add_subparsers(title="db commands")
    upgrade = db.add_parser("upgrade", help="apply every migration up to the newest")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(run=_db_upgrade)
    downgrade = db.add_parser("downgrade", help="undo migrations down to a revision ('base' = empty)")
    downgrade.add_argument("revision")
    downgrade.set_defaults(run=_db_downgrade)

    createuser = commands.add_parser("createuser", help="create a user (password from SIDAK_PASSWORD or a prompt)")
    createuser.add_argument("username")
    createuser.add_argument("--role", required=True, choices=["admin", "supervisor", "surveyor"])
    createuser.add_argument("--display-name")
    createuser.add_argument("--region", action="append", default=[], help="region code a supervisor covers")
    createuser.set_defaults(run=_createuser)

    audit = commands.add_parser("audit", help="audit chain").add_subparsers(title="audit commands")
    verify = audit.add_parser("verify", help="check the hash chain; name the first edited, deleted or moved event")
    verify.set_defaults(run=_audit_verify)

    backup = commands.add_parser("backup", help="write a consistent snapshot of the database and the photos")
    backup.add_argument("dest_dir", type=Path, help="a new or empty folder")
    backup.set_defaults(run=_backup)
    restore = commands.add_parser("restore", help="load a backup into an empty database and the photo store")
    restore.add_argument("src_dir", type=Path, help="a folder written by `sidak backup`")
    restore.set_defaults(run=_restore)
    return parser


def _db_upgrade(args: argparse.Namespace) -> None:
    from server.db import migrate

    migrate.upgrade(load_settings().database_url, args.revision)


def _db_downgrade(args: argparse.Namespace) -> None:
    from server.db import migrate

    migrate.downgrade(load_settings().database_url, args.revision)


def _serve(args: argparse.Namespace) -> int:
    import subprocess

    import uvicorn

    from server.domain.metrics.workers import clear_worker_files

    # In a process of its own: a server that migrated in-process would keep Alembic and every migration script loaded
    # (~10 MB of each server's memory) for nothing.
    migrated = subprocess.run([sys.executable, "-m", "server.cli", "db", "upgrade"], check=False)
    if migrated.returncode != 0:
        return migrated.returncode
    # Request counts of the previous run's workers are not this run's (server.domain.metrics.workers).
    clear_worker_files(load_settings().metrics_dir)
    # Each app process decodes photos in processes of its own: together they take one per core, not one per core each.
    os.environ.setdefault("SIDAK_PHOTO_DECODERS", str(max(1, (os.cpu_count() or 2) // args.workers)))
    uvicorn.run(
        "server.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        # The app reads X-Forwarded-For itself, from SIDAK_TRUSTED_PROXIES only (server.lib.http.client_ip).
        proxy_headers=False,
        log_level="info",
        access_log=args.access_log,
    )
    return 0


def _worker(_args: argparse.Namespace) -> int:
    from server.worker import run_worker

    asyncio.run(run_worker(load_settings()))
    return 0


def _run(settings: Settings, work: Callable[[Any], Coroutine[Any, Any, Any]]) -> Any:
    from server.db.engine import create_engine, create_session_factory

    async def runner() -> Any:
        engine = create_engine(settings.database_url)
        try:
            async with create_session_factory(engine)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    return asyncio.run(runner())


def _demo(args: argparse.Namespace) -> int:
    from server.db import migrate
    from server.demo import DatabaseNotEmpty

    settings = load_settings()
    if args.reset:
        migrate.downgrade(settings.database_url, "base")
    migrate.upgrade(settings.database_url)
    try:
        logins = asyncio.run(_load_demo(settings))
    except DatabaseNotEmpty as error:
        print(f"sidak demo: {error} (use --reset to wipe it)", file=sys.stderr)
        return 1
    path = settings.data_dir / "demo-logins.json"
    path.write_text(json.dumps(logins, indent=2) + "\n")
    path.chmod(0o600)
    print(f"Demo data loaded. Logins (also in {path}):")
    for username, password in logins.items():
        print(f"  {username:<12} {password}")
    return 0


async def _load_demo(settings: Settings) -> dict[str, str]:
    from server.db.engine import create_engine, create_session_factory
    from server.demo import load_demo

    engine = create_engine(settings.database_url)
    try:
        return await load_demo(create_session_factory(engine), settings)
    finally:
        await engine.dispose()


def _createuser(args: argparse.Namespace) -> int:
    from server.db import migrate
    from server.domain.admin.users.services import create_user_from_cli
    from server.lib.errors import DomainError

    password = os.environ.get("SIDAK_PASSWORD") or getpass.getpass(f"Password for {args.username}: ")
    settings = load_settings()
    migrate.upgrade(settings.database_url)
    try:
        user = _run(
            settings,
            lambda session: create_user_from_cli(
                session,
                username=args.username,
                role=args.role,
                password=password,
                display_name=args.display_name or args.username,
                region_codes=args.region,
            ),
        )
    except DomainError as error:
        print(f"sidak createuser: {error.detail}", file=sys.stderr)
        return 1
    print(f"created {user.role} {user.username}")
    return 0


def _audit_verify(_args: argparse.Namespace) -> int:
    from server.domain.audit.services import seal_pending
    from server.domain.audit.verify import verify_stored_chain

    async def seal_then_verify(session: Any) -> Any:
        while await seal_pending(session):  # events whose process died before it could seal them
            await session.commit()
        await session.commit()
        return await verify_stored_chain(session)

    settings = load_settings()
    result = _run(settings, seal_then_verify)
    print(result.message)
    return 0 if result.ok else 1


def _backup(args: argparse.Namespace) -> int:
    from server.backup import BackupRefused, backup

    try:
        summary = backup(load_settings(), args.dest_dir)
    except BackupRefused as error:
        print(f"sidak backup: {error}", file=sys.stderr)
        return 1
    print("\n".join(summary.lines()))
    for problem in summary.problems:
        print(f"sidak backup: {problem}", file=sys.stderr)
    return 1 if summary.problems else 0


def _restore(args: argparse.Namespace) -> int:
    from server.backup import BackupRefused, restore

    try:
        summary = restore(load_settings(), args.src_dir)
    except BackupRefused as error:
        print(f"sidak restore: {error}", file=sys.stderr)
        return 1
    print("\n".join(summary.lines()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
