"""The photos the tests upload, read and render, made here: stand-ins for the real camera and phone photos of
``../shared/fixtures/photos`` (their licence is in NOTICE.md there; CI lays that folder beside the clone, a fresh
clone has none), so the suite needs nothing beside the repository. A stand-in goes by the name of the photo it
stands in for.

Each stand-in has what the tests rely on in its real photo: the pixel size, the JPEG's chroma subsampling and restart
interval, the EXIF facts (time, UTC offset, GPS, make and model, orientation) in the real photo's byte order, the
header segments in the real photo's order (EXIF, XMP, ICC profile, Photoshop), a maker note and an embedded
thumbnail where the real photo has them, the damage of the damaged one. The pictures are street scenes drawn from a
seed: the two shots of one place 70 s apart share a scene, panned and lit differently, so their perceptual hashes are
close without being look-alikes, and every other photo shows a scene of its own. The same name always gives the same
bytes; each photo is made once per process, on first use (3 s of CPU for all nine, the 12 MP HEIC half of it).

The tests take the stand-ins from the ``photos`` fixture (``GENERATED``); ``tests/unit/test_real_photo_corpus.py``
runs the same tests with the real photos (``REAL_PHOTOS``) when they are there.
"""

from __future__ import annotations

import atexit
import functools
import io
import shutil
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pillow_heif
from PIL import Image, ImageChops, ImageCms, ImageDraw

REPO_ROOT = Path(__file__).resolve().parent.parent
REAL_PHOTO_FOLDER = REPO_ROOT.parent / "shared" / "fixtures" / "photos"

# The real photos; each stand-in goes by the name of the photo it stands in for.
PHOTO_NAMES = (
    "DSCN0010.jpg",
    "DSCN0012.jpg",
    "HMD_Nokia_8.3_5G.jpg",
    "iphone_hdr_YES.jpg",
    "portrait_6.jpg",
    "no_exif.jpg",
    "corrupted.jpg",
    "42_IndexError.jpg",
    "iphone_13_pro_max.HEIC",
)


class PhotoSet:
    """Photos by name (``PHOTO_NAMES``): ``path`` for a file, ``data`` for its bytes."""

    def path(self, name: str) -> Path:
        raise NotImplementedError

    def data(self, name: str) -> bytes:
        return self.path(name).read_bytes()


class GeneratedPhotos(PhotoSet):
    """The stand-ins, written to a folder of this process's own on first use (removed when it exits)."""

    def __init__(self) -> None:
        self._folder: Path | None = None

    def data(self, name: str) -> bytes:
        return photo_bytes(name)

    def path(self, name: str) -> Path:
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="sidak-test-photos-"))
            atexit.register(shutil.rmtree, self._folder, ignore_errors=True)
        path = self._folder / name
        if not path.is_file():
            path.write_bytes(photo_bytes(name))
        return path


class RealPhotos(PhotoSet):
    """The real camera and phone photos of ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def is_there(self) -> bool:
        return all((self.folder / name).is_file() for name in PHOTO_NAMES)

    def path(self, name: str) -> Path:
        return self.folder / name


GENERATED = GeneratedPhotos()
REAL_PHOTOS = RealPhotos(REAL_PHOTO_FOLDER)


def photo_path(name: str) -> Path:
    """The file of the stand-in ``name`` (e.g. ``"DSCN0010.jpg"``)."""
    return GENERATED.path(name)


@functools.cache
def photo_bytes(name: str) -> bytes:
    """The bytes of the stand-in ``name``, made once per process."""
    return make_photo(name)


def make_photo(name: str) -> bytes:
    """The bytes of the stand-in ``name``, made anew."""
    return _MAKERS[name]()


# --- pictures -----------------------------------------------------------------------------------------------------


def scene(size: tuple[int, int], seed: int, *, pan: float = 0.0, light: float = 1.0) -> Image.Image:
    """A street scene drawn from ``seed``: sky, ground, buildings with windows, signs and trees, with texture and
    grain so that it compresses like a photo. ``pan`` turns the camera by a share of the width (at most ±0.125),
    ``light`` scales the brightness: the same seed gives the same place."""
    width, height = size
    rng = np.random.default_rng(seed)
    # The layout is drawn on a small canvas a little wider than the view, then enlarged: shapes stay smooth.
    view_w = 192
    view_h = max(16, round(view_w * height / width))
    canvas_w = round(view_w * 1.25)
    layout = Image.new("RGB", (canvas_w, view_h))
    draw = ImageDraw.Draw(layout)
    horizon = round(view_h * rng.uniform(0.35, 0.6))
    sky_top, sky_low = rng.integers(60, 200, 3), rng.integers(150, 250, 3)
    for y in range(horizon):
        share = y / max(1, horizon - 1)
        draw.line([(0, y), (canvas_w, y)], fill=tuple(int(c) for c in sky_top * (1 - share) + sky_low * share))
    draw.rectangle([0, horizon, canvas_w, view_h], fill=tuple(int(c) for c in rng.integers(40, 140, 3)))
    for _ in range(int(rng.integers(5, 9))):
        left = int(rng.integers(-20, canvas_w))
        building_w, building_h = int(rng.integers(20, 70)), int(rng.integers(view_h // 5, view_h * 3 // 4))
        top = horizon + int(rng.integers(0, max(1, (view_h - horizon) // 3))) - building_h
        colour = tuple(int(c) for c in rng.integers(30, 240, 3))
        draw.rectangle([left, top, left + building_w, top + building_h], fill=colour)
        window = tuple(int(c) for c in rng.integers(0, 255, 3))
        for window_y in range(top + 4, top + building_h - 6, 9):
            for window_x in range(left + 3, left + building_w - 5, 8):
                draw.rectangle([window_x, window_y, window_x + 4, window_y + 5], fill=window)
    for _ in range(int(rng.integers(2, 6))):
        centre_x, centre_y = int(rng.integers(0, canvas_w)), horizon + int(rng.integers(-10, 20))
        radius = int(rng.integers(6, 18))
        draw.ellipse(
            [centre_x - radius, centre_y - 2 * radius, centre_x + radius, centre_y],
            fill=(int(rng.integers(10, 60)), int(rng.integers(80, 160)), int(rng.integers(10, 60))),
        )
    sign_x, sign_y = int(rng.integers(10, canvas_w - 60)), int(rng.integers(4, max(5, horizon - 10)))
    draw.rectangle([sign_x, sign_y, sign_x + 44, sign_y + 10], fill=(250, 250, 240), outline=(20, 20, 20))
    for letter in range(8):
        draw.rectangle([sign_x + 3 + 5 * letter, sign_y + 3, sign_x + 6 + 5 * letter, sign_y + 7], fill=(30, 30, 90))
    left = round((canvas_w - view_w) / 2 + pan * view_w)
    view = layout.crop((left, 0, left + view_w, view_h)).resize(size, Image.Resampling.BICUBIC)
    if light != 1.0:
        view = view.point(lambda value: round(value * light))
    # Texture at a quarter of the size and grain at full size: what the camera's optics and sensor add. Sums in
    # Pillow (ImageChops, clipped at 0 and 255) rather than numpy: a 12 MP photo takes half the time.
    texture = rng.normal(128, 10, (max(1, height // 4), max(1, width // 4)))
    texture_full = Image.fromarray(np.clip(texture, 0, 255).astype(np.uint8)).resize(size, Image.Resampling.BILINEAR)
    grain_tile = rng.integers(123, 134, (256, 256, 3), dtype=np.uint8)
    grain = Image.fromarray(np.tile(grain_tile, (height // 256 + 1, width // 256 + 1, 1))[:height, :width])
    noise = ImageChops.add(Image.merge("RGB", [texture_full] * 3), grain, offset=-128)
    return ImageChops.add(view, noise, offset=-128)


# --- header segments ----------------------------------------------------------------------------------------------

_APP0, _APP1, _APP2, _APP13 = 0xE0, 0xE1, 0xE2, 0xED
_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_JFIF = b"JFIF\x00\x01\x01\x01\x00\x48\x00\x48\x00\x00"


def exif_block(
    *,
    big_endian: bool,
    main: dict[int, object],
    details: dict[int, object] | None = None,
    gps: dict[int, object] | None = None,
    thumbnail: bytes | None = None,
) -> bytes:
    """An APP1 EXIF payload (``Exif\\0\\0`` and a TIFF structure) in either byte order, with IFD1 pointing at an
    embedded JPEG ``thumbnail`` as cameras write it."""
    exif = Image.Exif()
    exif.endian = ">" if big_endian else "<"
    exif.update(main)
    if details:
        exif.get_ifd(_EXIF_IFD).update(details)
    if gps:
        exif.get_ifd(_GPS_IFD).update(gps)
    block = exif.tobytes()
    return block if thumbnail is None else _with_thumbnail(block, thumbnail)


def _with_thumbnail(block: bytes, thumbnail: bytes) -> bytes:
    # Pillow writes no IFD1: append one (compression 6 = JPEG, its offset and length) and chain IFD0 to it.
    header, tiff = block[:6], bytearray(block[6:])
    endian = ">" if tiff[:2] == b"MM" else "<"
    (ifd0_at,) = struct.unpack_from(endian + "I", tiff, 4)
    (count,) = struct.unpack_from(endian + "H", tiff, ifd0_at)
    if len(tiff) % 2:
        tiff += b"\x00"
    ifd1_at = len(tiff)
    thumbnail_at = ifd1_at + 2 + 4 * 12 + 4
    struct.pack_into(endian + "I", tiff, ifd0_at + 2 + 12 * count, ifd1_at)
    tiff += struct.pack(endian + "H", 4)
    tiff += struct.pack(endian + "HHIHH", 0x0103, 3, 1, 6, 0)  # Compression: JPEG
    tiff += struct.pack(endian + "HHIHH", 0x0128, 3, 1, 2, 0)  # ResolutionUnit: inch
    tiff += struct.pack(endian + "HHII", 0x0201, 4, 1, thumbnail_at)  # JPEGInterchangeFormat
    tiff += struct.pack(endian + "HHII", 0x0202, 4, 1, len(thumbnail))  # JPEGInterchangeFormatLength
    tiff += struct.pack(endian + "I", 0)
    return header + bytes(tiff) + thumbnail


def xmp_block(creator_tool: str) -> bytes:
    packet = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="{creator_tool}"/>'
        '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    )
    return b"http://ns.adobe.com/xap/1.0/\x00" + packet.encode()


@functools.cache
def srgb_profile() -> bytes:
    profile = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    profile[24:36] = struct.pack(">6H", 2014, 9, 22, 10, 56, 35)  # littleCMS writes the time of making it
    return bytes(profile)


def icc_block() -> bytes:
    return b"ICC_PROFILE\x00\x01\x01" + srgb_profile()


def photoshop_block(caption: str) -> bytes:
    """APP13 as Photoshop writes it: an IPTC caption in image resource 0x0404."""
    iptc = b"\x1c\x02\x78" + struct.pack(">H", len(caption)) + caption.encode()
    if len(iptc) % 2:
        iptc += b"\x00"
    return (
        b"Photoshop 3.0\x00" + b"8BIM" + struct.pack(">H", 0x0404) + b"\x00\x00" + struct.pack(">I", len(iptc)) + iptc
    )


def jpeg(picture: Image.Image, segments: list[tuple[int, bytes]], **options: object) -> bytes:
    """``picture`` encoded by Pillow (``options``: quality, subsampling, restart markers), its header segments
    replaced by ``segments`` (marker, payload) in the given order, as the camera laid them out."""
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", **options)
    encoded = buffer.getvalue()
    position = 2
    while 0xE0 <= encoded[position + 1] <= 0xEF:  # what Pillow wrote itself (JFIF)
        position += 2 + struct.unpack_from(">H", encoded, position + 2)[0]
    header = b"".join(struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload for marker, payload in segments)
    return b"\xff\xd8" + header + encoded[position:]


def thumbnail_of(picture: Image.Image, size: tuple[int, int] = (160, 120)) -> bytes:
    buffer = io.BytesIO()
    picture.resize(size, Image.Resampling.BILINEAR).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def nikon_maker_note() -> bytes:
    """A well-formed maker note of the Nikon kind: its own TIFF header and IFD, then data only Nikon reads."""
    ifd = (
        struct.pack("<H", 3)
        + struct.pack("<HHI4s", 0x0001, 7, 4, b"0210")  # MakerNoteVersion
        + struct.pack("<HHIHH", 0x0002, 3, 2, 0, 64)  # ISO
        + struct.pack("<HHI4s", 0x0004, 2, 4, b"FIN\x00")  # Quality
        + struct.pack("<I", 0)
    )
    return b"Nikon\x00\x02\x10\x00\x00" + b"II*\x00" + struct.pack("<I", 8) + ifd + bytes(range(256)) * 12


def apple_maker_note() -> bytes:
    """A maker note of the kind iPhones write: "Apple iOS", then a big-endian IFD whose offsets start at its header."""
    ifd = (
        struct.pack(">H", 2)
        + struct.pack(">HHII", 0x0001, 9, 1, 14)  # version
        + struct.pack(">HHII", 0x0008, 10, 3, 44)  # acceleration vector: three signed rationals
        + struct.pack(">I", 0)
    )
    vector = struct.pack(">6i", -98, 100, -2, 100, -5, 100)
    return b"Apple iOS\x00\x00\x01MM" + ifd + vector


def broken_olympus_maker_note() -> bytes:
    """A maker note of the Olympus kind that has crashed EXIF readers: entries whose counts and offsets point far
    past its end, sub-IFDs that are not there, and an IFD cut off before its next-IFD offset."""
    entries = [
        struct.pack("<HHI4s", 0x0000, 7, 4, b"0100"),  # MakerNoteVersion
        struct.pack("<HHII", 0x2010, 13, 1, 0x7FFFFFF0),  # Equipment IFD, far past the end
        struct.pack("<HHII", 0x2020, 13, 1, 0xFFFFFF00),  # CameraSettings IFD, likewise
        struct.pack("<HHII", 0x0209, 2, 0xFFFF, 0x1000),  # CameraID: 64 KB of text in a 10 KB note
        struct.pack("<HHII", 0x1015, 5, 0x20000000, 12),  # rationals by the hundred million
    ]
    ifd = struct.pack("<H", len(entries) + 7) + b"".join(entries)  # claims more entries than it holds
    return (b"OLYMPUS\x00II\x03\x00" + ifd).ljust(10_368, b"\x00")


# --- the stand-ins ------------------------------------------------------------------------------------------------


def _camera(*, later: bool) -> bytes:
    """DSCN0010.jpg / DSCN0012.jpg: a compact camera's 640×480 photo, 4:2:2, little-endian EXIF with GPS (Tuscany),
    a Nikon maker note and a thumbnail, then XMP; the second shot 70 s after the first, 39 m away, camera turned."""
    picture = scene((640, 480), seed=10, pan=0.08 if later else 0.0, light=0.85 if later else 1.0)
    taken_at = "2008:10:22 16:29:49" if later else "2008:10:22 16:28:39"
    latitude = (43.0, 28.0, 1.764) if later else (43.0, 28.0, 2.814)
    longitude = (11.0, 53.0, 7.422) if later else (11.0, 53.0, 6.456)
    exif = exif_block(
        big_endian=False,
        main={
            0x010E: " " * 31,
            0x010F: "NIKON",
            0x0110: "COOLPIX P6000",
            0x0112: 1,
            0x011A: 300.0,
            0x011B: 300.0,
            0x0128: 2,
            0x0131: "Nikon Transfer 1.1 W",
            0x0132: "2008:11:01 21:15:07",
        },
        details={0x9003: taken_at, 0x9004: taken_at, 0x927C: nikon_maker_note(), 0xA002: 640, 0xA003: 480},
        gps={1: "N", 2: latitude, 3: "E", 4: longitude, 18: "WGS-84", 29: "2008:10:23"},
        thumbnail=thumbnail_of(picture),
    )
    segments = [(_APP1, exif), (_APP1, xmp_block("Nikon Transfer 1.1 W"))]
    return jpeg(picture, segments, quality=95, subsampling=1)


def _phone_wide() -> bytes:
    """HMD_Nokia_8.3_5G.jpg: an Android phone's 4608×1976 photo, 4:2:0, big-endian EXIF with its UTC offset
    (+03:00) and GPS (Helsinki), then JFIF."""
    exif = exif_block(
        big_endian=True,
        main={0x010F: "HMD Global", 0x0110: "Nokia 8.3 5G", 0x0112: 1, 0x0131: "00WW_3_380_SP02"},
        details={
            0x9003: "2022:08:14 14:12:31",
            0x9010: "+03:00",
            0x9011: "+03:00",
            0x9012: "+03:00",
            0x829A: 0.000541,
            0x829D: 2.2,
        },
        gps={1: "N", 2: (60.0, 8.0, 48.14), 3: "E", 4: (24.0, 54.0, 24.38), 29: "2022:08:14"},
    )
    return jpeg(scene((4608, 1976), seed=83), [(_APP1, exif), (_APP0, _JFIF)], quality=92, subsampling=2)


def _phone_hdr() -> bytes:
    """iphone_hdr_YES.jpg: an iPhone 6 HDR photo, 3264×2448, 4:2:0 with a restart marker after every row of blocks,
    big-endian EXIF with GPS west of Greenwich (Madrid), Apple's maker note and a thumbnail, and no other segment."""
    picture = scene((3264, 2448), seed=6)
    exif = exif_block(
        big_endian=True,
        main={0x010F: "Apple", 0x0110: "iPhone 6", 0x0112: 1, 0x0131: "8.3", 0x0132: "2015:04:10 20:12:23"},
        details={
            0x9003: "2015:04:10 20:12:23",
            0x9004: "2015:04:10 20:12:23",
            0x927C: apple_maker_note(),
            0xA432: (4.15, 4.15, 2.2, 2.2),
        },
        gps={1: "N", 2: (40.0, 26.0, 49.1), 3: "W", 4: (3.0, 43.0, 29.11), 29: "2015:04:10"},
        thumbnail=thumbnail_of(picture),
    )
    return jpeg(picture, [(_APP1, exif)], quality=92, subsampling=2, restart_marker_rows=1)


def _sideways() -> bytes:
    """portrait_6.jpg: a portrait photo stored on its side (600×450, EXIF Orientation 6: shown turned 90° clockwise
    it is 450×600), 4:2:0, JFIF, an ICC profile and then big-endian EXIF with no time, place or camera."""
    upright = scene((450, 600), seed=600)
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what Orientation 6 turns back
    exif = exif_block(
        big_endian=True,
        main={0x0112: 6, 0x011A: 72.0, 0x011B: 72.0, 0x0128: 2},
        details={0xA002: 600, 0xA003: 450},
    )
    return jpeg(stored, [(_APP0, _JFIF), (_APP2, icc_block()), (_APP1, exif)], quality=95, subsampling=2)


def _edited() -> bytes:
    """no_exif.jpg: a 322×466 photo saved by Photoshop: its EXIF has a caption, Orientation 1 and the time it was
    edited (DateTime), but no time taken, place or camera; XMP, Photoshop's own segment and an ICC profile too."""
    exif = exif_block(
        big_endian=True,
        main={
            0x010E: "Der Goalie bin ig",
            0x0112: 1,
            0x011A: 300.0,
            0x011B: 300.0,
            0x0128: 2,
            0x0131: "Adobe Photoshop CC (Macintosh)",
            0x0132: "2014:09:22 10:56:35",
            0x013B: "CREDIT",
        },
        details={0xA001: 1, 0xA002: 322, 0xA003: 466},
    )
    segments = [
        (_APP0, _JFIF),
        (_APP1, exif),
        (_APP1, xmp_block("Adobe Photoshop CC (Macintosh)")),
        (_APP13, photoshop_block("Der Goalie bin ig")),
        (_APP2, icc_block()),
    ]
    return jpeg(scene((322, 466), seed=322), segments, quality=95, subsampling=2)


def _olympus(size: tuple[int, int], seed: int, model: str, taken_at: str) -> bytes:
    """An Olympus camera's photo: 4:2:2 with a restart marker every 4 blocks, little-endian EXIF with PrintIM, a
    maker note that readers have choked on, and a thumbnail."""
    picture = scene(size, seed=seed)
    exif = exif_block(
        big_endian=False,
        main={
            0x010E: "OLYMPUS DIGITAL CAMERA         ",
            0x010F: "OLYMPUS IMAGING CORP.  ",
            0x0110: model,
            0x0112: 1,
            0x0131: "Version 1.0                    ",
            0x0132: taken_at,
            0xC4A5: b"PrintIM\x000300\x00\x00\x1c\x00\x01\x00\x12\x00" + bytes(200),
        },
        details={0x9003: taken_at, 0x9004: taken_at, 0x927C: broken_olympus_maker_note()},
        thumbnail=thumbnail_of(picture),
    )
    return jpeg(picture, [(_APP1, exif)], quality=92, subsampling=1, restart_marker_blocks=4)


def _broken_maker_notes() -> bytes:
    """42_IndexError.jpg: an Olympus E-P3 photo, 4032×3024, whose maker note has crashed EXIF readers."""
    return _olympus((4032, 3024), 42, "E-P3            ", "2014:08:23 13:05:43")


def _damaged() -> bytes:
    """corrupted.jpg: an Olympus photo of 3648×2736 whose image data was overwritten by a run of 0xFF bytes
    (the header intact, the decoder only warns), as the real damaged photo's was."""
    data = bytearray(_olympus((3648, 2736), 1020, "u1020,S1020     ", "2015:09:08 11:02:17"))
    start = len(data) // 9
    data[start : start + 3_000] = b"\xff" * 3_000
    data[start + 3_000] = 0x9F  # no marker has this code: the first byte after the run ends the scan's data
    return bytes(data)


def _phone_heic() -> bytes:
    """iphone_13_pro_max.HEIC: an iPhone 13 Pro Max HEIC, 3024×4032, EXIF with its UTC offset (+01:00) and Apple's
    maker note, no GPS, an ICC profile. Unlike the iPhone's it is one coded picture, not a grid of 512 px tiles."""
    exif = exif_block(
        big_endian=True,
        main={0x010F: "Apple", 0x0110: "iPhone 13 Pro Max", 0x0112: 1, 0x0131: "15.2.1"},
        details={
            0x9003: "2022:02:16 12:55:41",
            0x9004: "2022:02:16 12:55:41",
            0x9010: "+01:00",
            0x9011: "+01:00",
            0x927C: apple_maker_note(),
        },
    )
    buffer = io.BytesIO()
    # x265's fastest settings: the default preset takes half a minute for 12 MP; decoding costs the same.
    encoder = {"preset": "ultrafast", "chroma": "420", "x265:ctu": "64", "x265:min-cu-size": "32"}
    picture = scene((3024, 4032), seed=13)
    picture.save(buffer, "HEIF", quality=60, exif=exif, icc_profile=srgb_profile(), enc_params=encoder)
    return buffer.getvalue()


_MAKERS: dict[str, Callable[[], bytes]] = {
    "DSCN0010.jpg": functools.partial(_camera, later=False),
    "DSCN0012.jpg": functools.partial(_camera, later=True),
    "HMD_Nokia_8.3_5G.jpg": _phone_wide,
    "iphone_hdr_YES.jpg": _phone_hdr,
    "portrait_6.jpg": _sideways,
    "no_exif.jpg": _edited,
    "corrupted.jpg": _damaged,
    "42_IndexError.jpg": _broken_maker_notes,
    "iphone_13_pro_max.HEIC": _phone_heic,
}

pillow_heif.register_heif_opener()
