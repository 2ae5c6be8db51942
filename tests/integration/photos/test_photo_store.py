"""The photo store's contract, run against a real folder and a real S3-compatible server (moto_server)."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from server.lib.storage import (
    LocalPhotoStore,
    Move,
    PhotoStore,
    S3PhotoStore,
    display_key,
    original_key,
    photo_store_from_url,
    thumb_key,
)

SHA = "ab" * 32
MOTO_SERVER = Path(sys.executable).with_name("moto_server")


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """The photo store has no database to clean: this stands in for the integration suite's own fixture."""


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_loopback_port()
    endpoint = f"http://127.0.0.1:{port}"
    log = (tmp_path_factory.mktemp("moto") / "moto_server.log").open("wb")
    try:
        server = subprocess.Popen(
            [str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
        )
    except OSError as error:
        log.close()
        reason = f"moto_server cannot start ({error}); the S3 store goes untested"
        print(reason)
        pytest.skip(reason)
    try:
        if not _answers(endpoint, server, within_s=20):
            reason = f"moto_server did not answer on {endpoint}; the S3 store goes untested (log: {log.name})"
            print(reason)
            pytest.skip(reason)
        yield endpoint
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _answers(endpoint: str, server: subprocess.Popen[bytes], *, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"{endpoint}/", timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def a_new_bucket(endpoint: str) -> str:
    bucket = f"photos-{uuid.uuid4().hex[:12]}"
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/{bucket}", method="PUT"), timeout=10).close()
    return bucket


def an_s3_store(endpoint: str) -> S3PhotoStore:
    return S3PhotoStore(
        a_new_bucket(endpoint),
        endpoint=endpoint,
        access_key_id="testing",
        secret_access_key="testing",
        region="us-east-1",
        allow_http=True,
    )


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> PhotoStore:
    if request.param == "local":
        return LocalPhotoStore(tmp_path / "photos")
    return an_s3_store(request.getfixturevalue("s3_endpoint"))


@pytest.fixture
def a_photo_file(tmp_path: Path) -> Path:
    path = tmp_path / "upload.part"
    path.write_bytes(os.urandom(700_000))
    return path


def a_file_holding(folder: Path, data: bytes) -> Path:
    path = folder / f"{uuid.uuid4().hex}.part"
    path.write_bytes(data)
    return path


# --- both stores ------------------------------------------------------------------------------------------------


async def test_a_stored_photo_reads_back_whole_and_streamed(store, a_photo_file):
    key = original_key(SHA, "image/jpeg")

    assert await store.put_file(key, a_photo_file) is True

    expected = a_photo_file.read_bytes()
    assert await store.exists(key)
    assert await store.size(key) == len(expected)
    assert await store.get(key) == expected
    assert b"".join([chunk async for chunk in await store.open_stream(key)]) == expected


async def test_storing_under_a_taken_key_keeps_the_first_photo(store, a_photo_file, tmp_path):
    key = display_key(SHA)
    await store.put_file(key, a_file_holding(tmp_path, b"first rendering"))

    assert await store.put_file(key, a_file_holding(tmp_path, b"another rendering")) is False
    assert await store.put_file(key, a_photo_file) is False
    assert await store.get(key) == b"first rendering"


async def test_racing_writers_store_one_photo_and_only_one_hears_it_is_new(store, tmp_path):
    key = thumb_key(SHA)
    bodies = [f"writer {number}".encode() * 1000 for number in range(6)]
    files = [a_file_holding(tmp_path, body) for body in bodies]

    answers = await asyncio.gather(*(store.put_file(key, file) for file in files))

    assert answers.count(True) == 1
    assert await store.get(key) == bodies[answers.index(True)]


@pytest.mark.parametrize("durable", [True, False])
async def test_a_file_moved_in_is_stored_and_gone_from_where_it_was(store, a_photo_file, durable):
    key = original_key(SHA, "image/jpeg")
    expected = a_photo_file.read_bytes()

    assert await store.move_in(key, a_photo_file, durable=durable) is True

    assert await store.get(key) == expected
    assert not a_photo_file.exists()


async def test_a_file_moved_in_under_a_taken_key_is_dropped_and_the_first_photo_kept(store, a_photo_file, tmp_path):
    key = display_key(SHA)
    await store.put_file(key, a_file_holding(tmp_path, b"first rendering"))

    assert await store.move_in(key, a_photo_file) is False

    assert await store.get(key) == b"first rendering"
    assert not a_photo_file.exists()


async def test_several_files_moved_in_at_once_are_answered_in_order(store, tmp_path):
    taken = display_key(SHA)
    await store.put_file(taken, a_file_holding(tmp_path, b"first rendering"))
    files = [a_file_holding(tmp_path, data) for data in (b"original", b"rendering", b"thumbnail")]
    keys = [original_key(SHA, "image/jpeg"), taken, thumb_key(SHA)]

    answers = await store.move_in_all(
        [Move(keys[0], files[0]), Move(keys[1], files[1], durable=False), Move(keys[2], files[2], durable=False)]
    )

    assert answers == [True, False, True]
    assert [await store.get(key) for key in keys] == [b"original", b"first rendering", b"thumbnail"]
    assert not any(file.exists() for file in files)


async def test_a_missing_photo_is_reported_as_missing(store):
    key = original_key(SHA, "image/heic")

    assert await store.exists(key) is False
    with pytest.raises(FileNotFoundError):
        await store.get(key)
    with pytest.raises(FileNotFoundError):
        await store.open_stream(key)
    with pytest.raises(FileNotFoundError):
        await store.size(key)
    await store.delete(key)  # deleting what is not there is not an error


async def test_a_deleted_photo_is_gone(store, tmp_path):
    key = display_key(SHA)
    await store.put_file(key, a_file_holding(tmp_path, b"rendering"))

    await store.delete(key)

    assert await store.exists(key) is False


@pytest.mark.parametrize(
    "key",
    [
        "../outside.jpg",
        "originals/../../outside.jpg",
        "/etc/passwd",
        "originals\\ab.jpg",
        "",
        "originals//ab.jpg",
        ".tmp/put-x",
        "originals/./ab.jpg",
        "a\x00b",
    ],
)
async def test_keys_that_could_leave_the_store_are_refused(store, key, tmp_path):
    with pytest.raises(ValueError):
        await store.put_file(key, a_file_holding(tmp_path, b"x"))
    with pytest.raises(ValueError):
        await store.get(key)


# --- the local folder -------------------------------------------------------------------------------------------


async def test_a_local_store_leaves_only_the_photo_behind(tmp_path, a_photo_file):
    store = LocalPhotoStore(tmp_path / "photos")
    key = original_key(SHA, "image/jpeg")

    await store.put_file(key, a_photo_file)
    await store.put_file(key, a_file_holding(tmp_path, b"again"))

    files = [path.relative_to(store.root).as_posix() for path in store.root.rglob("*") if path.is_file()]
    assert files == [key]


async def test_a_write_that_fails_midway_leaves_neither_photo_nor_temporary_file(tmp_path):
    store = LocalPhotoStore(tmp_path / "photos")
    key = original_key(SHA, "image/png")

    with pytest.raises(FileNotFoundError):
        await store.put_file(key, tmp_path / "vanished.part")

    assert await store.exists(key) is False
    assert [path for path in store.root.rglob("*") if path.is_file()] == []


async def test_a_local_store_links_a_file_moved_in_rather_than_copying_it(tmp_path, a_photo_file):
    store = LocalPhotoStore(tmp_path / "photos")
    key = original_key(SHA, "image/jpeg")
    inode = a_photo_file.stat().st_ino

    await store.move_in(key, a_photo_file)

    assert (store.root / key).stat().st_ino == inode
    assert [path for path in (store.root / LocalPhotoStore.TEMP_FOLDER).rglob("*")] == []


async def test_an_empty_file_under_a_key_is_what_a_power_cut_left_and_counts_as_missing(tmp_path, a_photo_file):
    store = LocalPhotoStore(tmp_path / "photos")
    key = display_key(SHA)
    (store.root / key).parent.mkdir(parents=True)
    (store.root / key).touch()
    expected = a_photo_file.read_bytes()

    assert await store.exists(key) is False
    for read in (store.get, store.open_stream, store.size):
        with pytest.raises(FileNotFoundError):
            await read(key)
    assert await store.move_in(key, a_photo_file, durable=False) is True
    assert await store.get(key) == expected


async def test_a_file_moved_in_from_another_file_system_is_copied(tmp_path):
    shared_memory = Path("/dev/shm")
    if not shared_memory.is_dir() or os.stat(shared_memory).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second file system (/dev/shm) to move a file in from")
    store = LocalPhotoStore(tmp_path / "photos")
    key = original_key(SHA, "image/jpeg")
    elsewhere = shared_memory / f"sidak-test-{uuid.uuid4().hex}.part"
    elsewhere.write_bytes(b"a photo on another file system")

    assert await store.move_in(key, elsewhere) is True

    assert (store.root / key).read_bytes() == b"a photo on another file system"
    assert not elsewhere.exists()


async def test_startup_cleanup_removes_files_of_dead_writers_and_keeps_live_ones(tmp_path):
    store = LocalPhotoStore(tmp_path / "photos")
    temp = store.root / LocalPhotoStore.TEMP_FOLDER
    temp.mkdir(parents=True)
    dead_pid = a_pid_that_is_not_running()
    left_by_a_crash = temp / f"put-{dead_pid}-crashed.part"
    being_written = temp / f"put-{os.getppid()}-now.part"  # a live process sharing the folder
    left_by_a_crash.write_bytes(b"half a photo")
    being_written.write_bytes(b"a photo on its way")

    assert await store.cleanup_temp() == 1

    assert not left_by_a_crash.exists()
    assert being_written.exists()


async def test_startup_cleanup_removes_a_live_writers_file_once_it_is_older_than_any_write(tmp_path):
    store = LocalPhotoStore(tmp_path / "photos")
    temp = store.root / LocalPhotoStore.TEMP_FOLDER
    temp.mkdir(parents=True)
    forgotten = temp / f"put-{os.getppid()}-forgotten.part"
    forgotten.write_bytes(b"stuck")
    two_hours_ago = time.time() - 7200
    os.utime(forgotten, (two_hours_ago, two_hours_ago))

    assert await store.cleanup_temp() == 1


def a_pid_that_is_not_running() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


async def test_an_s3_store_has_no_temporary_files_to_clean(s3_endpoint):
    assert await an_s3_store(s3_endpoint).cleanup_temp() == 0


# --- keys and settings ------------------------------------------------------------------------------------------


def test_keys_are_content_addressed_and_fanned_out():
    assert original_key(SHA, "image/jpeg") == f"originals/ab/{SHA}.jpg"
    assert original_key(SHA, "image/heic") == f"originals/ab/{SHA}.heic"
    assert display_key(SHA) == f"display/ab/{SHA}.jpg"
    assert thumb_key(SHA) == f"thumbs/ab/{SHA}.jpg"


@pytest.mark.parametrize("sha256", ["AB" * 32, "ab" * 31, "../" + "ab" * 31, "zz" * 32])
def test_a_key_needs_a_real_sha256(sha256):
    with pytest.raises(ValueError):
        display_key(sha256)


def test_an_original_key_needs_a_photo_content_type():
    with pytest.raises(ValueError):
        original_key(SHA, "text/html")


def test_no_store_setting_means_a_folder_in_the_data_dir(tmp_path):
    store = photo_store_from_url("", tmp_path)

    assert isinstance(store, LocalPhotoStore) and store.root == tmp_path / "photos"


@pytest.mark.parametrize(
    ("url", "root"),
    [
        ("/srv/sidak/photos", "/srv/sidak/photos"),
        ("file:///srv/sidak/photos", "/srv/sidak/photos"),
        ("file://localhost/srv/sidak%20photos", "/srv/sidak photos"),
    ],
)
def test_a_path_or_file_url_means_that_folder(tmp_path, url, root):
    store = photo_store_from_url(url, tmp_path)

    assert isinstance(store, LocalPhotoStore) and store.root == Path(root)


@pytest.mark.parametrize(
    "url",
    ["ftp://example.org/photos", "s3://?endpoint=http://x", "s3://bucket?endpont=http://x", "file://fileserver/photos"],
)
def test_a_store_setting_that_cannot_work_is_refused(tmp_path, url):
    with pytest.raises(ValueError):
        photo_store_from_url(url, tmp_path)


async def test_an_s3_url_with_keys_from_the_environment_reaches_the_bucket(tmp_path, s3_endpoint):
    bucket = a_new_bucket(s3_endpoint)
    environment = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}

    store = photo_store_from_url(
        f"s3://{bucket}?endpoint={s3_endpoint}&region=us-east-1&allow_http=1", tmp_path, environ=environment
    )

    assert isinstance(store, S3PhotoStore) and store.bucket == bucket
    assert await store.put_file(thumb_key(SHA), a_file_holding(tmp_path, b"thumbnail")) is True
    assert await store.get(thumb_key(SHA)) == b"thumbnail"
