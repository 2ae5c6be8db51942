"""Photo decoding in worker processes: the same renderings as in-process, and no photo lost when a worker dies."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest

from server.domain.photos.decoders import PhotoDecoders
from server.domain.photos.processing import process_photo
from server.lib.errors import PhotoUnreadable
from tests.photos import photo_path

MAX_PIXELS = 60_000_000


@pytest.fixture(autouse=True)
def clean_database() -> None:
    """Decoding has no database to clean: this stands in for the integration suite's own fixture."""


@pytest.fixture
def spool(tmp_path: Path) -> Path:
    folder = tmp_path / "spool"
    folder.mkdir()
    return folder


@pytest.fixture
def decoders() -> PhotoDecoders:
    pool = PhotoDecoders(workers=2)
    yield pool
    pool.close()


def an_upload(spool: Path, name: str) -> Path:
    return Path(shutil.copy(photo_path(name), spool / f"{name}.upload"))


def spool_files(spool: Path) -> set[str]:
    return {path.name for path in spool.iterdir()}


async def test_a_fitting_jpeg_is_handed_back_as_ranges_of_itself_with_no_display_file(decoders, spool):
    upload = an_upload(spool, "no_exif.jpg")

    rendered = await decoders.render(upload, spool, max_pixels=MAX_PIXELS)

    expected = process_photo(upload)
    assert rendered.display_path is None
    assert rendered.display_ranges == expected.display_ranges
    data = upload.read_bytes()
    assert b"".join(data[start:end] for start, end in rendered.display_ranges) == expected.display_jpeg
    rendered.remove_files()
    assert spool_files(spool) == {upload.name}


async def test_a_worker_renders_what_the_pipeline_renders_in_process(decoders, spool):
    upload = an_upload(spool, "portrait_6.jpg")

    rendered = await decoders.render(upload, spool, max_pixels=MAX_PIXELS)

    expected = process_photo(upload)
    assert (rendered.content_type, rendered.width, rendered.height, rendered.phash, rendered.exif) == (
        expected.content_type,
        expected.width,
        expected.height,
        expected.phash,
        expected.exif,
    )
    assert rendered.display_path.read_bytes() == expected.display_jpeg
    assert rendered.thumb_path.read_bytes() == expected.thumb_jpeg
    rendered.remove_files()
    assert spool_files(spool) == {upload.name}


def page_faults_of_a_second_large_buffer() -> int:
    """Allocate, touch and free a decoded picture's worth of memory, then count the page faults of doing it again."""
    import resource

    size = 24 * 1024 * 1024
    bytearray(size)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    bytearray(size)
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


async def test_a_worker_keeps_freed_memory_for_the_next_photo(decoders):
    # Each page the kernel hands out again is zeroed on first touch: ~6,000 faults for 24 MB (glibc's default).
    assert await decoders.run(page_faults_of_a_second_large_buffer) < 100


def test_the_app_process_never_loads_the_image_decoders():
    probe = "import sys, server.app; print(sorted({'PIL', 'pillow_heif', 'imagehash'} & set(sys.modules)))"
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"


def scipy_is_loaded() -> bool:
    return "scipy" in sys.modules


async def test_a_worker_renders_without_loading_scipy(spool):
    # imagehash's phash imports scipy.fftpack: 20 MB in the fork server and in each worker.
    one_worker = PhotoDecoders(workers=1)
    try:
        (await one_worker.render(an_upload(spool, "DSCN0010.jpg"), spool, max_pixels=MAX_PIXELS)).remove_files()

        assert not await one_worker.run(scipy_is_loaded)
    finally:
        one_worker.close()


async def test_a_refusal_in_a_worker_reaches_the_caller_as_itself(decoders, spool):
    with pytest.raises(PhotoUnreadable):
        await decoders.render(an_upload(spool, "corrupted.jpg"), spool, max_pixels=MAX_PIXELS)


async def test_photos_in_flight_when_a_worker_dies_are_decoded_again(decoders, spool):
    uploads = [
        an_upload(spool, name)
        for name in (
            "DSCN0010.jpg",
            "DSCN0012.jpg",
            "HMD_Nokia_8.3_5G.jpg",
            "iphone_hdr_YES.jpg",
            "portrait_6.jpg",
            "no_exif.jpg",
        )
    ]
    renders = [asyncio.ensure_future(decoders.render(upload, spool, max_pixels=MAX_PIXELS)) for upload in uploads]
    first_pool = decoders._current_pool()
    await asyncio.wait(renders, return_when=asyncio.FIRST_COMPLETED)
    assert not all(render.done() for render in renders), "the test needs photos still in flight"

    os.kill(next(iter(first_pool._processes)), signal.SIGKILL)
    rendered = await asyncio.gather(*renders)

    assert decoders._current_pool() is not first_pool
    for upload, photo in zip(uploads, rendered, strict=True):
        assert photo.phash == process_photo(upload).phash
        assert photo.thumb_path.stat().st_size > 0


async def test_a_job_that_kills_every_worker_it_meets_is_refused_and_the_pool_recovers(decoders, spool):
    with pytest.raises(PhotoUnreadable):
        await decoders.run(partial(os._exit, 3))

    rendered = await decoders.render(an_upload(spool, "no_exif.jpg"), spool, max_pixels=MAX_PIXELS)
    assert rendered.thumb_path.stat().st_size > 0


async def test_renderings_of_a_cancelled_upload_are_removed_once_the_worker_is_done(spool):
    decoders = PhotoDecoders(workers=1)
    try:
        (await decoders.render(an_upload(spool, "portrait_6.jpg"), spool, max_pixels=MAX_PIXELS)).remove_files()
        cancelled = asyncio.ensure_future(
            decoders.render(an_upload(spool, "iphone_13_pro_max.HEIC"), spool, max_pixels=MAX_PIXELS)
        )
        await asyncio.sleep(0.1)  # a HEIC of 12 MP takes longer than that to decode
        cancelled.cancel()
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        # One worker takes jobs in turn: when the next one is done, the cancelled one is done too.
        after = await decoders.render(an_upload(spool, "no_exif.jpg"), spool, max_pixels=MAX_PIXELS)
    finally:
        decoders.close()

    assert after.display_path is None  # a fitting JPEG is its own display image
    assert spool_files(spool) == {
        "portrait_6.jpg.upload",
        "iphone_13_pro_max.HEIC.upload",
        "no_exif.jpg.upload",
        after.thumb_path.name,
    }


# An app process that renders one photo, names its decoder and that decoder's parent (the fork server), then is killed.
KILLED_APP = """
import asyncio, os, signal, sys
from pathlib import Path
from server.domain.photos.decoders import PhotoDecoders

async def main():
    decoders = PhotoDecoders(workers=1)
    await decoders.render(Path(sys.argv[1]), Path(sys.argv[2]), max_pixels=60_000_000)
    [worker] = decoders._current_pool()._processes
    fork_server = int(Path(f"/proc/{worker}/stat").read_text().rsplit(")", 1)[1].split()[1])
    print(worker, fork_server, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(main())
"""


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_the_decoders_die_with_an_app_process_that_is_killed(spool):
    said = spool.parent / "app.out"  # a file, not a pipe: processes left behind would hold a pipe open
    with said.open("w") as output:
        app = subprocess.run(
            [sys.executable, "-c", KILLED_APP, str(an_upload(spool, "no_exif.jpg")), str(spool)],
            stdout=output,
            stderr=subprocess.STDOUT,
            timeout=60,
        )

    assert app.returncode == -signal.SIGKILL, said.read_text()
    worker, fork_server = map(int, said.read_text().split()[:2])
    deadline = time.monotonic() + 10
    while (is_running(worker) or is_running(fork_server)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not is_running(worker) and not is_running(fork_server)
