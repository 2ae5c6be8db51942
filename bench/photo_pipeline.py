"""How many photos per second the bare pipeline renders on one core (no HTTP, no database, no store).

The pipeline is ``process_photo``: header checks, draft decode, EXIF, orientation, the 1600 px display JPEG, the
320 px thumbnail and the perceptual hash. Inputs: a generated 4000×3000 q90 camera JPEG with EXIF GPS and
Orientation 6 (the photo of docs/performance.md), the 1600 px JPEG a phone sends after resizing on a canvas, the
stand-ins of the tests for a 9 MP Nokia JPEG and a 12 MP iPhone HEIC (tests/photos.py), and the real Nokia and
iPhone HEIC photos too when ``../shared/fixtures/photos`` is beside the clone. Each photo is timed as
the server processes it and rendered anew (``keep_fitting_jpeg=False``: what the phone's JPEG costs when it is not
taken as its own display image, the pipeline issue 3 names).

    .venv/bin/python bench/photo_pipeline.py [--seconds 5] [--filters]

``--filters`` also times the display resize with each resampling filter and scores it against a full-resolution
LANCZOS rendering (PSNR, higher is closer): the evidence behind the filter ``processing.py`` uses (the real photos
tell more than the generated one, whose noise is smooth at display scale).
``bare_pipeline_rate`` is the reusable part (bench/photo_ingest.py compares the full ingest with it).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.domain.photos.decoders import keep_freed_memory  # noqa: E402
from server.domain.photos.processing import process_photo  # noqa: E402
from tests.photos import REAL_PHOTOS, photo_path  # noqa: E402

PHONE_PHOTOS = ("HMD_Nokia_8.3_5G.jpg", "iphone_13_pro_max.HEIC")
FILTER_PHOTOS = ("HMD_Nokia_8.3_5G.jpg", "42_IndexError.jpg")  # real ones, whose detail tells filters apart


def bare_pipeline_rate(paths: Sequence[Path], seconds: float, *, keep_fitting_jpeg: bool = True) -> float:
    """Photos per second that ``process_photo`` sustains in this thread on ``paths`` taken in turn, over about
    ``seconds``."""
    process_photo(paths[0])  # the first call pays for imports and codec set-up
    count, started = 0, time.perf_counter()
    deadline = started + seconds
    while True:
        process_photo(paths[count % len(paths)], keep_fitting_jpeg=keep_fitting_jpeg)
        count += 1
        now = time.perf_counter()
        if now >= deadline:
            return count / (now - started)


def camera_jpeg(path: Path, size: tuple[int, int] = (4000, 3000), *, seed: int = 2026) -> Path:
    """A q90 camera-sized JPEG whose content compresses like a photo (about 4 MB at 12 MP), with EXIF GPS,
    DateTimeOriginal and Orientation 6."""
    rng = np.random.default_rng(seed)
    width, height = size
    picture = np.zeros((height, width, 3), dtype=np.float32)
    # Noise at several scales: broad shapes, texture and sensor grain, so the JPEG entropy resembles a photo's.
    for (cells_x, cells_y), strength in [((6, 5), 90), ((40, 30), 45), ((250, 190), 30), ((1000, 750), 18)]:
        cells = Image.fromarray(rng.integers(0, 256, (cells_y, cells_x, 3), dtype=np.uint8))
        picture += (np.asarray(cells.resize(size, Image.Resampling.BICUBIC), dtype=np.float32) - 128) * (strength / 128)
    picture += rng.normal(0, 5, (height, width, 1)).astype(np.float32)
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8769)[0x9003] = "2026:11:02 09:41:07"
    exif.get_ifd(0x8825).update({1: "S", 2: (6.0, 42.0, 25.3), 3: "E", 4: (108.0, 33.0, 7.9)})
    Image.fromarray(np.clip(picture + 128, 0, 255).astype(np.uint8)).save(path, "JPEG", quality=90, exif=exif)
    return path


def phone_jpeg(path: Path, source: Path, long_side: int = 1600) -> Path:
    """What the phone app uploads: the photo turned upright, resized on a canvas to ``long_side`` and re-encoded,
    with the EXIF facts written back (pwa/js/exif-write.js)."""
    with Image.open(source) as image:
        upright = ImageOps.exif_transpose(image)
        scale = long_side / max(upright.size)
        upright.resize((round(upright.width * scale), round(upright.height * scale)), Image.Resampling.BILINEAR).save(
            path, "JPEG", quality=85, exif=phone_app_exif()
        )
    return path


def phone_app_exif() -> Image.Exif:
    """The EXIF block the phone app writes into its canvas JPEG: the facts read from the camera's photo, and
    Orientation 1 because its pixels are upright."""
    exif = Image.Exif()
    exif.update({0x0112: 1, 0x010F: "Phone Maker", 0x0110: "Phone 1", 0x0131: "Sidak field app"})
    exif.get_ifd(0x8769)[0x9003] = "2026:11:02 09:41:07"
    exif.get_ifd(0x8825).update({1: "S", 2: (6.0, 42.0, 25.3), 3: "E", 4: (108.0, 33.0, 7.9)})
    return exif


def compare_filters(label: str, path: Path, long_side: int = 1600, runs: int = 5) -> None:
    with Image.open(path) as full:
        full.load()
        scale = long_side / max(full.size)
        target = (round(full.width * scale), round(full.height * scale))
        reference = np.asarray(full.resize(target, Image.Resampling.LANCZOS), dtype=np.float64)
    print(f"\ndisplay resize after draft decode, {label} → {target[0]}×{target[1]}")
    for name in ("LANCZOS", "BICUBIC", "HAMMING", "BILINEAR", "BOX"):
        resampling = Image.Resampling[name]
        timings = []
        for _ in range(runs):
            with Image.open(path) as image:
                image.draft("RGB", target)
                image.load()
                started = time.perf_counter()
                display = image.resize(target, resampling, reducing_gap=1.0)
                timings.append(time.perf_counter() - started)
        error = np.mean((np.asarray(display, dtype=np.float64) - reference) ** 2)
        print(f"  {name:<9} {statistics.median(timings) * 1000:6.1f} ms   PSNR {10 * np.log10(255**2 / error):5.2f} dB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="timing per photo (default 5)")
    parser.add_argument("--filters", action="store_true", help="also compare resampling filters")
    arguments = parser.parse_args()
    keep_freed_memory()  # as the server's decoding processes do, so the baseline is the best this machine does

    with tempfile.TemporaryDirectory(prefix="sidak-bench-") as folder:
        camera = camera_jpeg(Path(folder) / "camera-4000x3000.jpg")
        photos = {camera.name: camera, "phone-1600.jpg": phone_jpeg(Path(folder) / "phone-1600.jpg", camera)}
        photos |= {f"{name} (made)": photo_path(name) for name in PHONE_PHOTOS}
        photos |= real_photos(PHONE_PHOTOS)
        print(f"bare photo pipeline, one thread, {arguments.seconds:g} s per photo and way")
        print(
            f"  {'photo':<32} {'pixels':>11} {'MB':>6} {'photos/s':>9} {'ms/photo':>9} {'rendered anew/s':>16} "
            f"{'ms/photo':>9}"
        )
        for label, path in photos.items():
            with Image.open(path) as image:
                pixels = f"{image.width}×{image.height}"
            rate = bare_pipeline_rate([path], arguments.seconds)
            anew = bare_pipeline_rate([path], arguments.seconds, keep_fitting_jpeg=False)
            print(
                f"  {label:<32} {pixels:>11} {path.stat().st_size / 1e6:6.2f} {rate:9.1f} {1000 / rate:9.1f} "
                f"{anew:16.1f} {1000 / anew:9.1f}"
            )
        if arguments.filters:
            filtered = {"HMD_Nokia_8.3_5G.jpg (made)": photo_path("HMD_Nokia_8.3_5G.jpg")}
            for label, path in {camera.name: camera, **filtered, **real_photos(FILTER_PHOTOS)}.items():
                compare_filters(label, path)


def real_photos(names: Sequence[str]) -> dict[str, Path]:
    """The real photos of these names, when they are beside the clone."""
    return {f"{name} (real)": REAL_PHOTOS.path(name) for name in names if REAL_PHOTOS.path(name).is_file()}


if __name__ == "__main__":
    main()
