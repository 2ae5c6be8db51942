"""The photo pipeline on camera and phone photos (stand-ins for real ones, tests/photos.py; the real ones in
test_real_photo_corpus.py) and on images made here."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import imagehash
import numpy as np
import pytest
from PIL import Image, ImageOps

from server.domain.photos.processing import perceptual_hash, process_photo
from server.domain.photos.spool import spool_to_file
from server.domain.visits.integrity import phash_distance
from server.lib.errors import PhotoNotAnImage, PhotoTooLarge, PhotoUnreadable
from tests.photos import photo_bytes, photo_path


def an_image_file(tmp_path: Path, image: Image.Image, format: str, name: str = "upload", **options: object) -> Path:
    path = tmp_path / name
    image.save(path, format, **options)
    return path


def quadrants(size: tuple[int, int] = (400, 300)) -> Image.Image:
    """Four flat colours, so where each corner ends up shows how the picture was turned."""
    width, height = size
    image = Image.new("RGB", size)
    for (left, top), colour in zip(
        [(0, 0), (width // 2, 0), (0, height // 2), (width // 2, height // 2)],
        [(220, 30, 30), (30, 200, 30), (30, 30, 220), (240, 240, 30)],
        strict=True,
    ):
        image.paste(colour, (left, top, left + width // 2, top + height // 2))
    return image


def corner_colours(image: Image.Image) -> list[tuple[int, ...]]:
    width, height = image.size
    points = [
        (width // 4, height // 4),
        (3 * width // 4, height // 4),
        (width // 4, 3 * height // 4),
        (3 * width // 4, 3 * height // 4),
    ]
    return [image.convert("RGB").getpixel(point) for point in points]


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width``×``height`` over a few bytes that are not even a zlib stream: small on
    disk, and any attempt to decode it fails."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", b"not a zlib stream") + chunk(b"IEND", b"")


def jpeg_segments(data: bytes) -> list[int]:
    """The marker codes of a JPEG's header segments, up to its first scan."""
    markers, position = [], 2
    while data[position + 1] != 0xDA:
        markers.append(data[position + 1])
        position += 2 + struct.unpack_from(">H", data, position + 2)[0]
    return markers


# --- rendering --------------------------------------------------------------------------------------------------


def test_a_large_phone_photo_is_reduced_to_1600_on_its_long_side_with_a_320_thumbnail(photos):
    photo = process_photo(photos.path("HMD_Nokia_8.3_5G.jpg"))

    assert (photo.content_type, photo.width, photo.height) == ("image/jpeg", 4608, 1976)
    assert Image.open(io.BytesIO(photo.display_jpeg)).size == (1600, 686)
    assert Image.open(io.BytesIO(photo.thumb_jpeg)).size == (320, 137)


def test_a_photo_smaller_than_the_display_size_is_not_enlarged(photos):
    photo = process_photo(photos.path("DSCN0010.jpg"))

    assert Image.open(io.BytesIO(photo.display_jpeg)).size == (640, 480)
    assert Image.open(io.BytesIO(photo.thumb_jpeg)).size == (320, 240)


def test_a_photo_taken_sideways_is_shown_upright_and_measured_upright(photos):
    photo = process_photo(photos.path("portrait_6.jpg"))

    assert (photo.width, photo.height) == (450, 600)
    assert Image.open(io.BytesIO(photo.display_jpeg)).size == (450, 600)
    assert Image.open(io.BytesIO(photo.thumb_jpeg)).size == (240, 320)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_is_turned_the_way_pillow_shows_it(tmp_path, orientation):
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored = quadrants((2400, 1800))
    path = an_image_file(tmp_path, stored, "JPEG", exif=exif, quality=95)
    expected = ImageOps.exif_transpose(Image.open(path))

    photo = process_photo(path)

    display = Image.open(io.BytesIO(photo.display_jpeg))
    assert (photo.width, photo.height) == expected.size
    assert max(display.size) == 1600
    for seen, wanted in zip(corner_colours(display), corner_colours(expected), strict=True):
        assert all(abs(a - b) <= 12 for a, b in zip(seen, wanted, strict=True)), (seen, wanted)


def test_an_iphone_heic_is_accepted_and_rendered_as_jpeg(photos):
    photo = process_photo(photos.path("iphone_13_pro_max.HEIC"))

    assert (photo.content_type, photo.width, photo.height) == ("image/heic", 3024, 4032)
    display = Image.open(io.BytesIO(photo.display_jpeg))
    assert (display.format, display.size) == ("JPEG", (1200, 1600))
    assert photo.exif.model == "iPhone 13 Pro Max"


def test_display_and_thumbnail_carry_no_exif_or_other_metadata(photos):
    photo = process_photo(photos.path("DSCN0010.jpg"))  # has GPS, maker notes and a thumbnail in its EXIF

    assert photo.exif.lat is not None
    for rendered in (photo.display_jpeg, photo.thumb_jpeg):
        image = Image.open(io.BytesIO(rendered))
        assert len(image.getexif()) == 0
        assert not {"exif", "xmp", "icc_profile", "photoshop"} & set(image.info)
        assert [marker for marker in jpeg_segments(rendered) if 0xE1 <= marker <= 0xEF] == []


# --- a photo the phone app made is its own display image ----------------------------------------------------------


def phone_app_jpeg(
    tmp_path: Path, *, size: tuple[int, int] = (1600, 1200), orientation: int = 1, **options: object
) -> Path:
    """What the phone app uploads: an upright canvas JPEG of at most 1600 px with the EXIF facts written back."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "Phone Maker"
    exif.get_ifd(0x8769)[0x9003] = "2026:11:02 09:41:07"
    exif.get_ifd(0x8825).update({1: "S", 2: (6.0, 42.0, 25.3), 3: "E", 4: (108.0, 33.0, 7.9)})
    picture = Image.open(photo_path("HMD_Nokia_8.3_5G.jpg"))
    picture.draft("RGB", size)
    picture = picture.convert("RGB").resize(size)
    return an_image_file(tmp_path, picture, "JPEG", exif=exif, quality=90, **options)


def decoded(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_an_upright_jpeg_small_enough_is_shown_as_it_is_without_its_metadata(tmp_path):
    path = phone_app_jpeg(tmp_path, comment=b"taken by someone")
    original = path.read_bytes()

    photo = process_photo(path)

    assert photo.exif.lat is not None and photo.exif.make == "Phone Maker"
    assert np.array_equal(decoded(photo.display_jpeg), decoded(original))  # the very same pixels, not re-encoded
    assert len(photo.display_jpeg) < len(original)
    assert [marker for marker in jpeg_segments(photo.display_jpeg) if 0xE0 <= marker <= 0xEF or marker == 0xFE] == []
    assert not {"exif", "comment", "jfif"} & set(Image.open(io.BytesIO(photo.display_jpeg)).info)
    assert Image.open(io.BytesIO(photo.thumb_jpeg)).size == (320, 240)


def test_what_follows_the_end_of_the_image_is_not_kept(tmp_path):
    path = phone_app_jpeg(tmp_path)
    original = path.read_bytes()
    path.write_bytes(original + b"\xff\xd8 a second picture or anything else")

    photo = process_photo(path)

    assert photo.display_jpeg.endswith(b"\xff\xd9")
    assert np.array_equal(decoded(photo.display_jpeg), decoded(original))


@pytest.mark.parametrize(
    ("case", "make"),
    [
        ("turned by its EXIF", lambda tmp_path: phone_app_jpeg(tmp_path, size=(1200, 900), orientation=6)),
        ("larger than the display", lambda tmp_path: phone_app_jpeg(tmp_path, size=(1700, 1275))),
        ("progressive", lambda tmp_path: phone_app_jpeg(tmp_path, progressive=True)),
        ("CMYK", lambda tmp_path: an_image_file(tmp_path, quadrants().convert("CMYK"), "JPEG")),
        ("with an Adobe colour segment", lambda tmp_path: with_adobe_segment(phone_app_jpeg(tmp_path))),
    ],
)
def test_other_jpegs_are_rendered_anew(tmp_path, case, make):
    path = make(tmp_path)

    photo = process_photo(path)

    display = Image.open(io.BytesIO(photo.display_jpeg))
    assert photo.display_jpeg == process_photo(path, keep_fitting_jpeg=False).display_jpeg, case
    assert "progressive" not in display.info and display.mode == "RGB"
    assert [marker for marker in jpeg_segments(photo.display_jpeg) if 0xE1 <= marker <= 0xEF] == []


def with_adobe_segment(path: Path) -> Path:
    adobe = b"Adobe\x00\x64\x00\x00\x00\x00\x01"  # version 100, transform 1 (YCbCr)
    data = path.read_bytes()
    path.write_bytes(data[:2] + b"\xff\xee" + struct.pack(">H", len(adobe) + 2) + adobe + data[2:])
    return path


def test_a_png_with_transparency_is_accepted_and_flattened_on_white(tmp_path):
    image = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    image.paste((200, 0, 0, 255), (0, 0, 100, 100))
    photo = process_photo(an_image_file(tmp_path, image, "PNG"))

    display = Image.open(io.BytesIO(photo.display_jpeg))
    assert (photo.content_type, photo.width, photo.height) == ("image/png", 200, 100)
    left, right = display.getpixel((50, 50)), display.getpixel((150, 50))
    assert left[0] > 180 and left[1] < 40
    assert min(right) > 240


def test_a_16_bit_grey_png_keeps_its_tones(tmp_path):
    ramp = Image.fromarray(np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (64, 1)))
    photo = process_photo(an_image_file(tmp_path, ramp, "PNG"))

    display = Image.open(io.BytesIO(photo.display_jpeg)).convert("L")
    assert display.getpixel((8, 32)) < 30
    assert 100 < display.getpixel((128, 32)) < 160
    assert display.getpixel((248, 32)) > 225


def test_a_webp_is_accepted(tmp_path):
    photo = process_photo(an_image_file(tmp_path, quadrants((2000, 1000)), "WEBP", quality=80))

    assert (photo.content_type, photo.width, photo.height) == ("image/webp", 2000, 1000)
    assert Image.open(io.BytesIO(photo.display_jpeg)).size == (1600, 800)


def test_the_perceptual_hash_of_two_shots_of_one_place_is_closer_than_of_another_place(photos):
    first = process_photo(photos.path("DSCN0010.jpg")).phash
    seventy_seconds_later = process_photo(photos.path("DSCN0012.jpg")).phash
    elsewhere = process_photo(photos.path("HMD_Nokia_8.3_5G.jpg")).phash

    assert len(first) == 16 and int(first, 16) >= 0
    assert phash_distance(first, seventy_seconds_later) < phash_distance(first, elsewhere)


@pytest.mark.parametrize("name", ["DSCN0010.jpg", "HMD_Nokia_8.3_5G.jpg", "no_exif.jpg", "portrait_6.jpg"])
def test_the_perceptual_hash_is_imagehashs_phash(photos, name):
    with Image.open(photos.path(name)) as photo:
        photo.draft("RGB", (400, 300))
        assert perceptual_hash(photo) == str(imagehash.phash(photo))


def test_the_perceptual_hash_of_noise_is_imagehashs_phash():
    rng = np.random.default_rng(7)
    for _ in range(50):
        noise = Image.fromarray(rng.integers(0, 256, (rng.integers(8, 300), rng.integers(8, 300), 3), dtype=np.uint8))
        assert perceptual_hash(noise) == str(imagehash.phash(noise))


def test_a_flat_picture_has_no_detail_bits():
    # Every coefficient but the first is zero: none is above their median, whatever rounding noise says.
    assert perceptual_hash(Image.new("RGB", (320, 240), (200, 30, 30))) == "8000000000000000"


def test_the_perceptual_hash_survives_recompression_and_resizing(photos, tmp_path):
    original = photos.path("DSCN0010.jpg")
    resaved = an_image_file(tmp_path, Image.open(original).resize((480, 360)), "JPEG", quality=60)

    assert phash_distance(process_photo(original).phash, process_photo(resaved).phash) <= 6


def test_a_corrupted_jpeg_is_refused_as_unreadable(photos):
    with pytest.raises(PhotoUnreadable) as refusal:
        process_photo(photos.path("corrupted.jpg"))

    assert (refusal.value.code, refusal.value.status) == ("photo.unreadable", 422)


@pytest.mark.parametrize(
    ("format", "options"), [("JPEG", {}), ("JPEG", {"progressive": True}), ("PNG", {}), ("WEBP", {}), ("HEIF", {})]
)
@pytest.mark.parametrize("kept", [0.2, 0.5, 0.9])
def test_a_truncated_upload_is_refused_as_unreadable(tmp_path, format, options, kept):
    whole = an_image_file(tmp_path, quadrants((640, 480)), format, **options).read_bytes()
    truncated = tmp_path / "truncated"
    truncated.write_bytes(whole[: int(len(whole) * kept)])

    with pytest.raises(PhotoUnreadable):
        process_photo(truncated)


def test_overwritten_jpeg_data_is_refused_even_though_the_decoder_only_warns(tmp_path):
    data = bytearray(an_image_file(tmp_path, quadrants((1280, 960)), "JPEG", restart_marker_rows=1).read_bytes())
    middle = len(data) // 2
    data[middle : middle + 2048] = b"\xff" * 2048
    damaged = tmp_path / "damaged.jpg"
    damaged.write_bytes(bytes(data))
    Image.open(damaged).load()  # Pillow decodes it without a word

    with pytest.raises(PhotoUnreadable):
        process_photo(damaged)


@pytest.mark.parametrize(
    "name",
    [
        "DSCN0010.jpg",
        "HMD_Nokia_8.3_5G.jpg",
        "iphone_hdr_YES.jpg",
        "42_IndexError.jpg",
        "no_exif.jpg",
        "portrait_6.jpg",
    ],
)
def test_intact_camera_jpegs_are_not_mistaken_for_damaged_ones(photos, name):
    assert process_photo(photos.path(name)).content_type == "image/jpeg"


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"progressive": True},
        {"optimize": True},
        {"subsampling": 0},
        {"restart_marker_blocks": 5},
        {"restart_marker_rows": 2},
        {"progressive": True, "restart_marker_rows": 1},
    ],
)
@pytest.mark.parametrize("mode", ["RGB", "L", "CMYK"])
def test_intact_jpegs_of_every_encoding_are_accepted(tmp_path, options, mode):
    path = an_image_file(tmp_path, quadrants((1000, 700)).convert(mode), "JPEG", **options)

    assert process_photo(path).width == 1000


def test_a_text_file_is_refused_as_not_an_image(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("Persyaratan pelayanan tidak terpampang.\n" * 50)

    with pytest.raises(PhotoNotAnImage) as refusal:
        process_photo(text)

    assert (refusal.value.code, refusal.value.status) == ("photo.not_an_image", 415)


@pytest.mark.parametrize("format", ["GIF", "BMP", "TIFF", "AVIF"])
def test_images_in_other_formats_are_refused_as_not_an_image(tmp_path, format):
    path = an_image_file(tmp_path, quadrants(), format)

    with pytest.raises(PhotoNotAnImage):
        process_photo(path)


def test_a_decompression_bomb_is_refused_as_too_large(tmp_path):
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_claiming(30_000, 30_000))
    assert bomb.stat().st_size < 2_000

    with pytest.raises(PhotoTooLarge) as refusal:
        process_photo(bomb)

    assert (refusal.value.code, refusal.value.status) == ("photo.too_large", 413)


def test_the_pixel_limit_is_checked_on_the_header_before_any_decoding(tmp_path):
    claim = tmp_path / "claim.png"
    claim.write_bytes(png_claiming(3000, 3000))

    with pytest.raises(PhotoTooLarge):
        process_photo(claim, max_pixels=8_000_000)
    with pytest.raises(PhotoUnreadable):  # what decoding the same file leads to
        process_photo(claim, max_pixels=9_000_000)


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_pillows_bomb_warning_is_a_refusal_even_under_a_higher_limit(tmp_path):
    claim = tmp_path / "claim.png"
    claim.write_bytes(png_claiming(10_000, 10_000))  # between Pillow's warning and error thresholds

    with pytest.raises(PhotoTooLarge):
        process_photo(claim, max_pixels=150_000_000)


# --- spooling ---------------------------------------------------------------------------------------------------


async def chunks_of(data: bytes, size: int = 65_536) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_spooling_writes_the_whole_body_and_hashes_it(tmp_path):
    body = photo_bytes("DSCN0010.jpg")

    spooled = await spool_to_file(chunks_of(body), tmp_path, max_bytes=len(body))

    assert spooled.path.parent == tmp_path
    assert spooled.path.read_bytes() == body
    assert (spooled.sha256, spooled.size) == (hashlib.sha256(body).hexdigest(), len(body))


async def test_spooling_a_body_over_the_limit_is_refused_and_leaves_no_file(tmp_path):
    with pytest.raises(PhotoTooLarge) as refusal:
        await spool_to_file(chunks_of(b"x" * 300_000), tmp_path, max_bytes=299_999)

    assert refusal.value.status == 413
    assert list(tmp_path.iterdir()) == []


async def test_an_upload_that_breaks_off_leaves_no_file(tmp_path):
    async def breaking_off() -> AsyncIterator[bytes]:
        yield b"\xff\xd8" + b"x" * 100_000
        raise ConnectionResetError("client went away")

    with pytest.raises(ConnectionResetError):
        await spool_to_file(breaking_off(), tmp_path, max_bytes=10_000_000)

    assert list(tmp_path.iterdir()) == []
