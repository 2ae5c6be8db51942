"""The photo store: originals, display renderings and thumbnails, addressed by their content.

Two implementations behind one small interface: a local folder (the default) and an S3-compatible bucket (the
scale-out setup, several app processes sharing one bucket). Keys are content addressed (``originals/ab/abcd….jpg``),
so a stored object is never overwritten: ``put_file`` and ``move_in`` answer False when the key already holds an
object. A missing key raises FileNotFoundError in both stores. No object is ever empty (a photo has bytes), so the
local store takes an empty file for a missing one: it is what a power cut leaves of a write that was never flushed.
"""

from __future__ import annotations

import asyncio
import errno
import os
import re
import shutil
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, NamedTuple, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import obstore
from anyio import to_thread
from obstore.exceptions import AlreadyExistsError
from obstore.store import S3Store

from server.lib.tempfiles import MAX_WRITE_AGE_S, create_owned, remove_orphans

if TYPE_CHECKING:
    from obstore.store import S3Config

_SHA256 = re.compile(r"[0-9a-f]{64}")
_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/heif": "heif",
}
_STREAM_CHUNK_BYTES = 256 * 1024
_COPY_BUFFER_BYTES = 1024 * 1024


def original_key(sha256: str, content_type: str) -> str:
    extension = _EXTENSIONS.get(content_type)
    if extension is None:
        raise ValueError(f"no photo key for content type {content_type!r}")
    return f"originals/{_fanned_out(sha256)}.{extension}"


def display_key(sha256: str) -> str:
    return f"display/{_fanned_out(sha256)}.jpg"


def thumb_key(sha256: str) -> str:
    return f"thumbs/{_fanned_out(sha256)}.jpg"


def _fanned_out(sha256: str) -> str:
    # Two hex characters of fan-out keep every folder of a local store at a few thousand entries per million photos.
    if not _SHA256.fullmatch(sha256):
        raise ValueError("a photo key needs a lowercase hex sha256")
    return f"{sha256[:2]}/{sha256}"


def checked_key(key: str) -> str:
    """The key itself if it names an object inside the store; ValueError for anything that could escape it."""
    if not key or key.startswith("/") or "\\" in key or "\x00" in key or ".." in key:
        raise ValueError(f"unsafe photo store key {key!r}")
    if any(not part or part.startswith(".") for part in key.split("/")):
        raise ValueError(f"unsafe photo store key {key!r}")
    return key


class Move(NamedTuple):
    key: str
    path: Path
    durable: bool = True


class PhotoStore(Protocol):
    async def put_file(self, key: str, path: Path) -> bool:
        """Store a file's bytes under ``key``; False if the key already held an object (which is kept)."""

    async def move_in(self, key: str, path: Path, *, durable: bool = True) -> bool:
        """Store a file the caller has finished with under ``key`` and remove it from ``path``, stored or not; False
        if the key already held an object (which is kept). ``durable=False``: a power cut may lose the object (it
        can be made again, like a rendering), so the local store does not flush it to disk."""

    async def move_in_all(self, moves: Sequence[Move]) -> list[bool]:
        """``move_in`` for each of several files, in one go; the answers in the same order."""

    async def get(self, key: str) -> bytes: ...

    async def open_stream(self, key: str) -> AsyncIterator[bytes]:
        """Chunks of the object, for streaming it to a client; raises FileNotFoundError before the first chunk."""

    async def exists(self, key: str) -> bool: ...

    async def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""

    async def size(self, key: str) -> int: ...

    async def cleanup_temp(self) -> int:
        """Remove what interrupted writes left behind (call at startup); the number removed."""


class LocalPhotoStore:
    """Photos in a folder. A write goes to ``.tmp/`` first, is flushed to disk, then hard-linked under its key:
    linking never replaces an existing name, so two racing writers store one object and only one is told "new"."""

    TEMP_FOLDER = ".tmp"

    def __init__(self, root: Path, *, durable: bool = True) -> None:
        self.root = Path(root)
        self.durable = durable
        self._temp = self.root / self.TEMP_FOLDER

    async def put_file(self, key: str, path: Path) -> bool:
        return await to_thread.run_sync(self._store, key, _copier(path))

    async def move_in(self, key: str, path: Path, *, durable: bool = True) -> bool:
        return (await self.move_in_all([Move(key, Path(path), durable)]))[0]

    async def move_in_all(self, moves: Sequence[Move]) -> list[bool]:
        # One hand-off to a thread for all: each is a few file system calls, which may wait on a folder's lock.
        return await to_thread.run_sync(
            lambda: [self._move_in(move.key, Path(move.path), move.durable and self.durable) for move in moves]
        )

    async def get(self, key: str) -> bytes:
        return await to_thread.run_sync(self._read, key)

    async def open_stream(self, key: str) -> AsyncIterator[bytes]:
        file = await to_thread.run_sync(self._open, key)
        return _chunks_of(file)

    async def exists(self, key: str) -> bool:
        return await to_thread.run_sync(_holds_object, self._path(key))

    async def delete(self, key: str) -> None:
        await to_thread.run_sync(lambda: self._path(key).unlink(missing_ok=True))

    async def size(self, key: str) -> int:
        return await to_thread.run_sync(self._size, key)

    async def cleanup_temp(self, *, older_than_s: float = MAX_WRITE_AGE_S) -> int:
        """Remove temporary files whose writer died, or older than ``older_than_s``; a live process sharing this
        folder may be writing the others right now."""
        return await to_thread.run_sync(self._remove_stale_temp_files, older_than_s)

    def _path(self, key: str) -> Path:
        return self.root / checked_key(key)

    def _read(self, key: str) -> bytes:
        with self._open(key) as file:
            return file.read()

    def _open(self, key: str) -> BinaryIO:
        file = open(self._path(key), "rb")  # noqa: SIM115 - handed to the caller
        if os.fstat(file.fileno()).st_size == 0:
            file.close()
            raise FileNotFoundError(f"photo store object {key} is empty")
        return file

    def _size(self, key: str) -> int:
        return _object_size(self._path(key))

    def _free_name(self, key: str) -> Path | None:
        """Where a new object goes under ``key``; None if the key holds one. An empty file there is removed."""
        final = self._path(key)
        try:
            if final.stat().st_size > 0:
                return None
            final.unlink(missing_ok=True)
        except FileNotFoundError:
            final.parent.mkdir(parents=True, exist_ok=True)
        return final

    def _store(self, key: str, write: Callable[[BinaryIO], object]) -> bool:
        final = self._free_name(key)
        if final is None:
            return False
        self._temp.mkdir(parents=True, exist_ok=True)
        handle, temp_name = create_owned(self._temp, "put")
        try:
            with open(handle, "wb") as temp:
                write(temp)
                if self.durable:
                    temp.flush()
                    os.fsync(temp.fileno())
            try:
                os.link(temp_name, final)
            except FileExistsError:
                return False
            if self.durable:
                _fsync_folder(final.parent)
            return True
        finally:
            os.unlink(temp_name)

    def _move_in(self, key: str, path: Path, durable: bool) -> bool:
        # Linking the file itself under its key skips a copy and, above all, a new inode: creating files where others
        # were just deleted made ext4 search its "recently deleted" inodes, the largest kernel cost of a photo upload.
        try:
            final = self._free_name(key)
            if final is None:
                return False
            if durable:
                fsync_path(path)
            try:
                os.link(path, final)
            except FileExistsError:
                return False
            except OSError as error:
                if error.errno != errno.EXDEV:
                    raise
                return self._store(key, _copier(path))  # another file system: copy
            if durable:
                _fsync_folder(final.parent)
            return True
        finally:
            path.unlink(missing_ok=True)

    def _remove_stale_temp_files(self, older_than_s: float) -> int:
        return remove_orphans(self._temp, "put", max_age_s=older_than_s)


def _copier(path: Path) -> Callable[[BinaryIO], None]:
    def copy(target: BinaryIO) -> None:
        with open(path, "rb") as source:
            shutil.copyfileobj(source, target, _COPY_BUFFER_BYTES)

    return copy


def _object_size(path: Path) -> int:
    """The size of the object at ``path``; FileNotFoundError if there is none (an empty file is none)."""
    size = path.stat().st_size
    if size == 0:
        raise FileNotFoundError(f"photo store object {path} is empty")
    return size


def _holds_object(path: Path) -> bool:
    try:
        _object_size(path)
    except FileNotFoundError:
        return False
    return True


def fsync_path(path: Path) -> None:
    """Flush a file's (or a folder's entries') data to the disk."""
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _fsync_folder(folder: Path) -> None:
    # The new name is only durable once its folder is flushed too.
    fsync_path(folder)


async def _chunks_of(file: BinaryIO) -> AsyncIterator[bytes]:
    try:
        while chunk := await to_thread.run_sync(file.read, _STREAM_CHUNK_BYTES):
            yield chunk
    finally:
        file.close()


class S3PhotoStore:
    """Photos in an S3-compatible bucket through obstore. ``mode="create"`` makes S3 itself refuse to overwrite,
    which is exactly "already stored" for content-addressed keys. obstore raises FileNotFoundError for a missing
    object, as the local store does."""

    def __init__(
        self,
        bucket: str,
        *,
        endpoint: str | None = None,
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        region: str = "us-east-1",
        allow_http: bool = False,
    ) -> None:
        config: S3Config = {"region": region}
        if access_key_id:
            config["access_key_id"] = access_key_id
        if secret_access_key:
            config["secret_access_key"] = secret_access_key
        if endpoint:
            config["endpoint"] = endpoint
        self.bucket = bucket
        self._store = S3Store(bucket, config=config, client_options={"allow_http": allow_http})

    async def put_file(self, key: str, path: Path) -> bool:
        return await self._create(key, Path(path))

    async def move_in(self, key: str, path: Path, *, durable: bool = True) -> bool:  # noqa: ARG002 - S3 always is
        try:
            return await self._create(key, Path(path))
        finally:
            await to_thread.run_sync(lambda: Path(path).unlink(missing_ok=True))

    async def move_in_all(self, moves: Sequence[Move]) -> list[bool]:
        return list(await asyncio.gather(*(self.move_in(move.key, move.path) for move in moves)))

    async def get(self, key: str) -> bytes:
        result = await obstore.get_async(self._store, checked_key(key))
        return bytes(await result.bytes_async())

    async def open_stream(self, key: str) -> AsyncIterator[bytes]:
        result = await obstore.get_async(self._store, checked_key(key))
        return _s3_chunks(result.stream(min_chunk_size=_STREAM_CHUNK_BYTES))

    async def exists(self, key: str) -> bool:
        try:
            await obstore.head_async(self._store, checked_key(key))
        except FileNotFoundError:
            return False
        return True

    async def delete(self, key: str) -> None:
        await obstore.delete_async(self._store, checked_key(key))

    async def size(self, key: str) -> int:
        return (await obstore.head_async(self._store, checked_key(key)))["size"]

    async def cleanup_temp(self) -> int:
        return 0  # S3 puts are atomic: an interrupted one leaves nothing under a key

    async def _create(self, key: str, body: Path) -> bool:
        try:
            # A multipart upload cannot be conditional, and a photo fits one PUT (S3 takes up to 5 GB).
            await obstore.put_async(self._store, checked_key(key), body, mode="create", use_multipart=False)
        except AlreadyExistsError:
            return False
        return True


async def _s3_chunks(stream: AsyncIterator[object]) -> AsyncIterator[bytes]:
    async for chunk in stream:
        yield bytes(chunk)  # type: ignore[call-overload]


def photo_store_from_url(url: str, data_dir: Path, *, environ: Mapping[str, str] | None = None) -> PhotoStore:
    """The store a ``SIDAK_PHOTO_STORE`` setting names.

    "" → ``<data_dir>/photos``; a path or ``file:///…`` → that folder;
    ``s3://bucket?endpoint=…&region=…&allow_http=1`` → the bucket, with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
    from the environment.
    """
    environ = os.environ if environ is None else environ
    url = url.strip()
    if not url:
        return LocalPhotoStore(Path(data_dir) / "photos")
    parts = urlsplit(url)
    if parts.scheme == "s3":
        return _s3_store_from_url(parts.netloc, parse_qs(parts.query, keep_blank_values=True), environ)
    if parts.scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise ValueError(f"a file photo store must be on this machine, not {parts.netloc!r}")
        return LocalPhotoStore(Path(unquote(parts.path)))
    if parts.scheme and len(parts.scheme) > 1:  # one letter is a Windows drive, part of a path
        raise ValueError(f"unsupported photo store {url!r}: use a folder, file:///… or s3://bucket?…")
    return LocalPhotoStore(Path(url).expanduser())


def _s3_store_from_url(bucket: str, query: dict[str, list[str]], environ: Mapping[str, str]) -> S3PhotoStore:
    if not bucket:
        raise ValueError("an s3 photo store needs a bucket: s3://bucket?endpoint=…")
    unknown = set(query) - {"endpoint", "region", "allow_http"}
    if unknown:
        raise ValueError(f"unknown s3 photo store settings: {', '.join(sorted(unknown))}")
    setting = {name: values[-1] for name, values in query.items()}
    return S3PhotoStore(
        bucket,
        endpoint=setting.get("endpoint") or None,
        access_key_id=environ.get("AWS_ACCESS_KEY_ID"),
        secret_access_key=environ.get("AWS_SECRET_ACCESS_KEY"),
        region=setting.get("region") or environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION") or "us-east-1",
        allow_http=setting.get("allow_http", "").lower() in ("1", "true", "yes"),
    )
