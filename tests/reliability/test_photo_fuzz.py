"""Damaged and hostile images through the real photo PUT route: camera and phone photos (stand-ins for real ones,
tests/photos.py) truncated, bit-flipped, given impossible dimensions, wrapped around decompression bombs and looping or
garbage EXIF, and things that are no image at all; the real photos as taken too, when they are beside the clone. Each
is declared honestly (its sha256 and size), so it reaches the decoder. Every case must end in a stored photo (whose
original comes back byte for byte) or a 4xx problem that leaves nothing stored, within a per-case timeout: never a
5xx, never a hang, never a dead worker.

CI: a fixed set of cases; SIDAK_RELIABILITY_FULL=1: many more random mutations (a new seed each run, printed).
"""

from __future__ import annotations

import io
import random
import struct
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from PIL import Image

from tests.photos import PHOTO_NAMES, REAL_PHOTOS, photo_bytes
from tests.reliability.conftest import FULL, Field
from tests.reliability.fieldwork import Phone, PhotoPool, Traffic, temp_files

pytestmark = pytest.mark.reliability

SEED = int(time.time()) if FULL else 1985
RANDOM_MUTATIONS = 600 if FULL else 40
CASE_TIMEOUT_S = 60 if FULL else 30
CASES_PER_VISIT = 40
SMALL_PHOTOS = ("DSCN0010.jpg", "DSCN0012.jpg", "portrait_6.jpg", "no_exif.jpg")
LARGE_PHOTOS = ("HMD_Nokia_8.3_5G.jpg", "42_IndexError.jpg", "iphone_hdr_YES.jpg")


@dataclass(frozen=True)
class Case:
    name: str
    data: bytes
    content_type: str = "image/jpeg"


# --- building hostile images ------------------------------------------------------------------------------------


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(
    width: int, height: int, *, idat: bytes | None = None, extra: bytes = b"", bit_depth: int = 8, colour_type: int = 0
) -> bytes:
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64) if idat is None else idat
    return (
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + extra + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    )


def zeros_deflated(length: int) -> bytes:
    """``length`` zero bytes, deflated in pieces (never held whole): a bomb of ~1000:1."""
    packer, block = zlib.compressobj(9), b"\x00" * (1 << 20)
    parts = [packer.compress(block) for _ in range(length >> 20)]
    return b"".join(parts) + packer.flush()


def png_pixel_bomb(side: int) -> bytes:
    """A greyscale PNG of side×side pixels, all black, whose pixel data is a small deflate of zero rows."""
    return png(side, side, idat=zeros_deflated((side + 1) * side))


def jpeg_frame_offset(data: bytes) -> int | None:
    """Where the SOF segment's height field is, or None."""
    position = 2
    while position + 4 <= len(data) and data[position] == 0xFF:
        marker = data[position + 1]
        length = struct.unpack_from(">H", data, position + 2)[0]
        if marker in (0xC0, 0xC1, 0xC2):
            return position + 5
        position += 2 + length
    return None


def with_dimensions(data: bytes, width: int, height: int) -> bytes:
    at = jpeg_frame_offset(data)
    assert at is not None, "no frame header found"
    return data[:at] + struct.pack(">HH", height, width) + data[at + 4 :]


def with_app1(data: bytes, payload: bytes) -> bytes:
    """``payload`` as an APP1 segment right after SOI (where EXIF lives)."""
    return data[:2] + b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload + data[2:]


def tiff_ifd(entries: list[tuple[int, int, int, int]], next_offset: int) -> bytes:
    """A little-endian IFD: (tag, type, count, value or offset) entries and the next IFD's offset."""
    return (
        struct.pack("<H", len(entries))
        + b"".join(struct.pack("<HHII", *entry) for entry in entries)
        + struct.pack("<I", next_offset)
    )


def exif_loop() -> bytes:
    # IFD0 at offset 8 points at itself as its Exif IFD, its GPS IFD and its next IFD.
    return (
        b"Exif\x00\x00II*\x00"
        + struct.pack("<I", 8)
        + tiff_ifd([(0x8769, 4, 1, 8), (0x8825, 4, 1, 8), (0x0112, 3, 1, 6)], next_offset=8)
    )


def exif_chain(length: int) -> bytes:
    """``length`` IFDs, each pointing at the next: a long walk for a naive reader."""
    ifds, offset = [], 8
    for n in range(length):
        size = 2 + 12 + 4
        ifds.append(tiff_ifd([(0x0132, 2, 4, 0x30303030)], next_offset=0 if n == length - 1 else offset + size))
        offset += size
    return b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + b"".join(ifds)


def exif_huge_counts() -> bytes:
    # Entries claiming 2 GB of values at offsets far past the segment.
    return (
        b"Exif\x00\x00MM\x00*"
        + struct.pack(">I", 8)
        + struct.pack(">H", 3)
        + b"".join(
            struct.pack(">HHII", tag, kind, 0x7FFFFFFF, 0xFFFFFFF0)
            for tag, kind in ((0x010F, 2), (0x9003, 2), (0x8825, 4))
        )
        + b"\x00" * 4
    )


def webp_of(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        buffer = io.BytesIO()
        image.convert("RGB").save(buffer, "WEBP", quality=80)
    return buffer.getvalue()


def content_type_of(name: str) -> str:
    return "image/heic" if name.endswith(".HEIC") else "image/jpeg"


def chosen_cases() -> Iterator[Case]:
    """The named hostile cases: each a kind of damage a real upload path meets."""
    small = photo_bytes("DSCN0010.jpg")
    heic = photo_bytes("iphone_13_pro_max.HEIC")
    for name in (*SMALL_PHOTOS, "42_IndexError.jpg"):
        yield Case(f"as taken: {name}", photo_bytes(name))
    yield Case("as taken: iphone_13_pro_max.HEIC", heic, "image/heic")
    yield Case("corrupted.jpg (a damaged photo)", photo_bytes("corrupted.jpg"))
    if REAL_PHOTOS.is_there():  # what real cameras wrote, EXIF quirks and all
        for name in PHOTO_NAMES:
            yield Case(f"as taken, the real {name}", REAL_PHOTOS.data(name), content_type_of(name))
    for cut in (2, 20, 200, len(small) // 3, len(small) - 2):
        yield Case(f"truncated to {cut} bytes", small[:cut])
    yield Case("truncated HEIC", heic[: len(heic) // 7], "image/heic")
    for width, height in ((65535, 65535), (65000, 1), (1, 65000), (0, 480), (640, 0), (30000, 3000)):
        yield Case(f"JPEG declaring {width}×{height}", with_dimensions(small, width, height))
    yield Case("PNG pixel bomb 100000×100000, header only", png(100_000, 100_000))
    yield Case("PNG pixel bomb 12000×12000 of real deflated rows", png_pixel_bomb(12_000), "image/png")
    yield Case(
        "PNG zTXt bomb (20 MB of text)",
        png(8, 8, extra=png_chunk(b"zTXt", b"k\x00\x00" + zeros_deflated(20 << 20))),
        "image/png",
    )
    yield Case(
        "PNG iCCP bomb (20 MB profile)",
        png(8, 8, extra=png_chunk(b"iCCP", b"p\x00\x00" + zeros_deflated(20 << 20))),
        "image/png",
    )
    yield Case("PNG with a bad CRC", png(8, 8)[:-5] + b"\x00\x00\x00\x00\x00", "image/png")
    yield Case("EXIF loop (IFD pointing at itself)", with_app1(small, exif_loop()))
    yield Case("EXIF chain of 3000 IFDs", with_app1(small, exif_chain(3000)))
    yield Case("EXIF with 2 GB counts", with_app1(small, exif_huge_counts()))
    yield Case("EXIF garbage", with_app1(small, b"Exif\x00\x00" + random.Random(1).randbytes(4000)))
    yield Case("EXIF header cut short", with_app1(small, b"Exif\x00\x00II*"))
    yield Case(
        "200 APP2 segments of 60 KB",
        small[:2] + (b"\xff\xe2" + struct.pack(">H", 60_002) + b"\x00" * 60_000) * 200 + small[2:],
    )
    yield Case("WebP", webp_of(small), "image/webp")
    yield Case("WebP truncated", webp_of(small)[:2000], "image/webp")
    yield Case("GIF (not a photo type)", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;")
    yield Case("PDF", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    yield Case(
        "SVG with a script", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image/png"
    )
    yield Case("random bytes", random.Random(2).randbytes(50_000))
    yield Case("one byte", b"\xff")
    yield Case("JPEG bytes declared as PNG", small, "image/png")
    if FULL:
        yield Case("PNG under the pixel limit that inflates to 49 MB", png_pixel_bomb(7_000), "image/png")


def random_cases(rng: random.Random, count: int) -> Iterator[Case]:
    """Mutations of real photos: truncation, bit flips (anywhere or in the headers), overwritten runs, dimensions."""
    sources = {name: photo_bytes(name) for name in (*SMALL_PHOTOS, *(LARGE_PHOTOS if FULL else ()))}
    mutations: list[tuple[str, Callable[[bytes], bytes]]] = [
        ("truncated", lambda data: data[: rng.randrange(2, len(data))]),
        ("bit-flipped", lambda data: flip_bits(data, rng, rng.choice((1, 4, 32, 256)), len(data))),
        ("header bit-flipped", lambda data: flip_bits(data, rng, rng.choice((1, 3, 16)), min(len(data), 4096))),
        ("overwritten run", lambda data: overwrite(data, rng)),
        (
            "resized frame",
            lambda data: with_dimensions(data, rng.choice((1, 7, 4000, 65535)), rng.choice((1, 9, 3000, 65535))),
        ),
    ]
    for n in range(count):
        name, source = rng.choice(sorted(sources.items()))
        label, mutate = mutations[n % len(mutations)]
        yield Case(f"{label} {name} #{n}", mutate(source))


def flip_bits(data: bytes, rng: random.Random, flips: int, within: int) -> bytes:
    mutated = bytearray(data)
    for _ in range(flips):
        mutated[rng.randrange(within)] ^= 1 << rng.randrange(8)
    return bytes(mutated)


def overwrite(data: bytes, rng: random.Random) -> bytes:
    start = rng.randrange(len(data))
    length = rng.choice((8, 256, 4096))
    return data[:start] + rng.randbytes(length) + data[start + length :]


# --- sending them -----------------------------------------------------------------------------------------------


async def test_every_damaged_or_hostile_image_is_stored_or_refused_with_a_4xx_never_a_5xx_or_a_hang(
    field: Field, photo_pool: PhotoPool
):
    cases = [*chosen_cases(), *random_cases(random.Random(SEED), RANDOM_MUTATIONS)]
    [(username, password)] = field.take_surveyors(1)
    phone = Phone(field.server.base_url, username, password, Traffic(), retry=False, timeout_s=CASE_TIMEOUT_S)
    outcomes: Counter[str] = Counter()
    problems: list[str] = []
    try:
        await phone.log_in()
        await phone.fetch_work()
        for start in range(0, len(cases), CASES_PER_VISIT):
            await send_batch(phone, cases[start : start + CASES_PER_VISIT], outcomes, problems)
    finally:
        await phone.close()

    assert not problems, "\n".join(problems[:40])
    assert not temp_files(field.data_dir)
    print(
        f"\nphoto fuzz: {len(cases)} cases (seed {SEED}): "
        + ", ".join(f"{outcome} ×{n}" for outcome, n in sorted(outcomes.items()))
    )


async def send_batch(phone: Phone, cases: list[Case], outcomes: Counter[str], problems: list[str]) -> None:
    visit = phone.draft_visit([case.data for case in cases])
    for declared, case in zip(visit.doc["photos"], cases, strict=True):
        declared["content_type"] = case.content_type
    answer = await phone.call("visit PUT", "PUT", f"/api/visits/{visit.id}", json=visit.doc, ok=(201,))
    stored: dict[str, Case] = {}
    for declared, case in zip(visit.doc["photos"], cases, strict=True):
        try:
            answer = await phone.http.put(
                f"/api/visits/{visit.id}/photos/{declared['id']}",
                content=case.data,
                headers={"Content-Type": case.content_type},
            )
        except httpx.TimeoutException:
            problems.append(f"{case.name}: no answer within {CASE_TIMEOUT_S} s")
            continue
        except httpx.TransportError as error:
            problems.append(f"{case.name}: the connection broke ({type(error).__name__}): a worker died?")
            continue
        if answer.status_code in (200, 201):
            stored[declared["id"]] = case
            outcomes["stored"] += 1
        elif 400 <= answer.status_code < 500 and answer.headers["content-type"].startswith("application/problem"):
            outcomes[f"{answer.status_code} {answer.json()['code']}"] += 1
        else:
            problems.append(f"{case.name}: {answer.status_code} {answer.text[:200]}")
    receipt = (await phone.call("visit GET", "GET", f"/api/visits/{visit.id}")).json()
    for declared, case in zip(visit.doc["photos"], cases, strict=True):
        is_missing = declared["id"] in receipt["missing_photos"]
        if declared["id"] in stored:
            original = await phone.http.get(f"/api/photos/{declared['id']}/original")
            if is_missing or original.content != case.data:
                problems.append(f"{case.name}: answered as stored, but the server does not give it back")
        elif not is_missing:
            problems.append(f"{case.name}: refused, yet the receipt counts it as stored")
