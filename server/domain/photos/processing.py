"""The photo pipeline: check an uploaded photo (spooled by ``spool``) and render it.

``process_photo`` is synchronous and CPU-bound; callers run it in a worker thread or process. It decides what the
bytes are from their content (never from the declared Content-Type), refuses anything over the pixel limit before
decoding a single pixel, decodes JPEGs at reduced scale (``Image.draft``; docs/performance.md), and renders a
display JPEG and a thumbnail that carry no metadata at all, so no GPS position leaves through them.

Resampling is HAMMING after an integer box reduction: on 12 MP camera JPEGs it costs what BILINEAR costs (about half
of LANCZOS) and came out sharper than BILINEAR and closest to a full-resolution area average (bench/photo_pipeline.py).

What the phone app sends is already a display image: an upright JPEG of at most 1600 px, re-encoded on a canvas,
with the EXIF facts written back. For such a photo the display image is the photo itself with its metadata segments
cut out, byte for byte the same pixels: decoding it at full size and encoding it again (two thirds of the pipeline's
time) would only lose quality. It is not even kept as a file of its own: the byte ranges of the original it is made
of are (``display_ranges``), and it is served from the original. Its thumbnail is decoded at reduced scale straight
from the upload.
"""

from __future__ import annotations

import io
import math
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from server.domain.photos.decoded import PhotoExif, PhotoHeader, RenderedPhoto
from server.domain.photos.exif import read_exif
from server.domain.photos.spool import SPOOL_KIND
from server.lib.errors import PhotoNotAnImage, PhotoTooLarge, PhotoUnreadable
from server.lib.tempfiles import create_owned

CONTENT_TYPES = {
    "JPEG": "image/jpeg",
    "MPO": "image/jpeg",
    "PNG": "image/png",
    "WEBP": "image/webp",
    "HEIF": "image/heic",
}
# Only these parsers ever see an upload: Pillow would otherwise try every plugin it has, EPS (Ghostscript) included.
# MPO (the multi-picture JPEG of many phones) has no parser of its own: the JPEG one returns it.
_PILLOW_FORMATS = ("JPEG", "PNG", "WEBP", "HEIF")
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, struct.error, RuntimeError)
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}
_RESAMPLING = Image.Resampling.HAMMING
_REDUCING_GAP = 1.0
_DISPLAY_QUALITY = 85
_THUMB_QUALITY = 75
_WHITE = (255, 255, 255)
# The perceptual hash as imagehash's ``phash`` makes it: the picture in grey at 32×32 (LANCZOS), its 2-D DCT-II, the
# top-left 8×8 coefficients each against their median. The DCT is two products with this matrix (scipy's unscaled
# DCT-II): imagehash imports scipy.fftpack for it, 20 MB in the fork server and again in each decoding process.
_PHASH_SIDE, _PHASH_BITS_SIDE = 32, 8
_DCT_II = 2 * np.cos(np.pi * np.outer(np.arange(_PHASH_SIDE), 2 * np.arange(_PHASH_SIDE) + 1) / (2 * _PHASH_SIDE))

# EXIF orientation → the transpose that shows the photo upright.
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SIDEWAYS = {5, 6, 7, 8}


@dataclass(frozen=True, slots=True)
class ProcessedPhoto:
    content_type: str
    width: int
    height: int
    exif: PhotoExif
    display_jpeg: bytes
    thumb_jpeg: bytes
    phash: str
    display_ranges: tuple[tuple[int, int], ...] | None = None
    """When the display image is the original minus its metadata: the (start, end) byte ranges of the original that
    make it, in order."""


def process_photo(
    path: Path,
    *,
    max_pixels: int = 50_000_000,
    display_long_side: int = 1600,
    thumb_long_side: int = 320,
    keep_fitting_jpeg: bool = True,
) -> ProcessedPhoto:
    """Check an uploaded photo and render its display JPEG, thumbnail and perceptual hash.

    Raises PhotoNotAnImage (not JPEG/PNG/WebP/HEIC), PhotoTooLarge (over ``max_pixels``, or over Pillow's own
    decompression-bomb limit, whichever is lower) and PhotoUnreadable (a real image header over damaged data).
    ``keep_fitting_jpeg=False`` renders every photo anew, even one that could be its own display image.
    """
    data = Path(path).read_bytes()
    with _opened(data) as image:
        content_type = CONTENT_TYPES[str(image.format)]
        _refuse_too_many_pixels(image.size, max_pixels)
        jpeg = _jpeg_layout(data) if content_type == "image/jpeg" else None
        if jpeg is not None and jpeg.is_damaged():
            raise PhotoUnreadable("The photo's image data is damaged.")
        width, height = image.size
        # Rendering stays inside the block: closing an image frees its pixels, and a photo already small enough is
        # rendered from the opened image itself.
        exif: PhotoExif | None = None
        display_jpeg: bytes | None = None
        display_ranges: tuple[tuple[int, int], ...] | None = None
        if jpeg is not None and keep_fitting_jpeg:
            exif = read_exif(image)  # a JPEG's EXIF is a header segment: no decoding needed to read it
            display_ranges = _display_as_is(image, data, jpeg, exif, display_long_side)
        if exif is not None and display_ranges is not None:
            display_jpeg = b"".join(data[start:end] for start, end in display_ranges)
            thumb = _decoded_to_fit(image, thumb_long_side)
        else:
            # Decode before reading EXIF: Pillow reads a PNG's EXIF by decoding it, and the tolerant EXIF reader
            # would swallow the decoding error.
            decoded = _decoded_to_fit(image, display_long_side)
            if exif is None:
                exif = read_exif(image)
            display = _upright(decoded, exif.orientation)
            thumb = _resized_to_fit(display, thumb_long_side)
            display_jpeg = _bare_jpeg(display, _DISPLAY_QUALITY)
        thumb_jpeg = _bare_jpeg(thumb, _THUMB_QUALITY)
        phash = perceptual_hash(thumb)
    if exif.orientation in _SIDEWAYS:
        width, height = height, width
    return ProcessedPhoto(
        content_type=content_type,
        width=width,
        height=height,
        exif=exif,
        display_jpeg=display_jpeg,
        thumb_jpeg=thumb_jpeg,
        phash=phash,
        display_ranges=display_ranges,
    )


def inspect_header(path: Path, *, max_pixels: int) -> PhotoHeader:
    """What an upload is, from its header alone: the checks of ``process_photo`` that decode no pixel.

    Raises what ``process_photo`` raises for the kind, the size and (for a JPEG) the marker structure; damage that
    only decoding finds is found later, when the photo is rendered (``photos.render_service``). A PNG's EXIF is read by
    decoding it, so its facts wait for the rendering too."""
    data = Path(path).read_bytes()
    with _opened(data) as image:
        content_type = CONTENT_TYPES[str(image.format)]
        _refuse_too_many_pixels(image.size, max_pixels)
        if content_type == "image/jpeg":
            jpeg = _jpeg_layout(data)
            if jpeg is not None and jpeg.is_damaged():
                raise PhotoUnreadable("The photo's image data is damaged.")
        exif = PhotoExif() if content_type == "image/png" else read_exif(image)
        width, height = image.size
    if exif.orientation in _SIDEWAYS:
        width, height = height, width
    return PhotoHeader(content_type=content_type, width=width, height=height, exif=exif)


def perceptual_hash(image: Image.Image) -> str:
    """imagehash's ``phash`` of the image, as hex; the same bits, but for coefficients that are zero save for floating
    point noise (flat or blocky pictures), which count as zero here rather than as whichever sign the noise gave."""
    grey = image.convert("L").resize((_PHASH_SIDE, _PHASH_SIDE), Image.Resampling.LANCZOS)
    coefficients = (_DCT_II @ np.asarray(grey, dtype=np.float64) @ _DCT_II.T).round(6)
    low = coefficients[:_PHASH_BITS_SIDE, :_PHASH_BITS_SIDE]
    bits = "".join("1" if bit else "0" for bit in (low > np.median(low)).flat)
    return f"{int(bits, 2):0{len(bits) // 4}x}"


def render_to_files(path: Path, directory: Path, *, max_pixels: int) -> RenderedPhoto:
    """``process_photo``, its thumbnail and (unless it is the original's own bytes) its display JPEG written to new
    spool files in ``directory``.

    This is what a decoding process runs: a path crosses the process boundary for nothing, the renderings' bytes
    would be pickled through a pipe."""
    photo = process_photo(path, max_pixels=max_pixels)
    display_path = None if photo.display_ranges else _written_spool_file(directory, photo.display_jpeg)
    try:
        thumb_path = _written_spool_file(directory, photo.thumb_jpeg)
    except BaseException:
        if display_path is not None:
            display_path.unlink(missing_ok=True)
        raise
    return RenderedPhoto(
        content_type=photo.content_type,
        width=photo.width,
        height=photo.height,
        exif=photo.exif,
        phash=photo.phash,
        display_path=display_path,
        thumb_path=thumb_path,
        display_ranges=photo.display_ranges,
    )


def _written_spool_file(directory: Path, data: bytes) -> Path:
    handle, path = create_owned(directory, SPOOL_KIND, suffix=".jpg")
    try:
        with open(handle, "wb") as file:
            file.write(data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _opened(data: bytes) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data), formats=_PILLOW_FORMATS)
    except Image.DecompressionBombError as error:
        raise PhotoTooLarge("The photo has too many pixels.") from error
    except UnidentifiedImageError as error:
        if _looks_like_heic(data):  # pillow-heif refuses a damaged HEIC as "not identified"
            raise PhotoUnreadable("The photo cannot be read.") from error
        raise PhotoNotAnImage("The upload is not a JPEG, PNG, WebP or HEIC image.") from error
    except _DECODE_ERRORS as error:
        raise PhotoUnreadable("The photo cannot be read.") from error
    if image.format not in CONTENT_TYPES:  # a plugin may report a sibling format (e.g. AVIF through the HEIF parser)
        image.close()
        raise PhotoNotAnImage("The upload is not a JPEG, PNG, WebP or HEIC image.")
    return image


def _looks_like_heic(data: bytes) -> bool:
    return data[4:8] == b"ftyp" and data[8:12] in _HEIC_BRANDS


def _refuse_too_many_pixels(size: tuple[int, int], max_pixels: int) -> None:
    # Pillow only warns between its limit and twice its limit; capping at its limit makes the warning a refusal.
    if Image.MAX_IMAGE_PIXELS is not None:
        max_pixels = min(max_pixels, Image.MAX_IMAGE_PIXELS)
    width, height = size
    if width < 1 or height < 1:
        raise PhotoUnreadable("The photo has no pixels.")
    if width * height > max_pixels:
        raise PhotoTooLarge(
            f"The photo has {width}×{height} pixels; at most {max_pixels} are accepted.", max_pixels=max_pixels
        )


def _fitted_size(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    width, height = size
    scale = long_side / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def _decoded_to_fit(image: Image.Image, long_side: int) -> Image.Image:
    target = _fitted_size(image.size, long_side)
    # The box keeps the photo's own aspect ratio: draft only reduces while both sides stay at or above it.
    image.draft("RGB", target)
    try:
        image.load()
        rgb = _as_rgb(image)
    except _DECODE_ERRORS as error:
        raise PhotoUnreadable("The photo's image data cannot be decoded.") from error
    return _resized_to_fit(rgb, long_side) if rgb.size != target else rgb


def _display_as_is(
    image: Image.Image, data: bytes, jpeg: _JpegLayout, exif: PhotoExif, long_side: int
) -> tuple[tuple[int, int], ...] | None:
    """The byte ranges of the JPEG without its metadata when it can be shown as it is (upright, small enough, colours
    a browser shows without help); None when it has to be rendered."""
    if exif.orientation not in (None, 1) or max(image.size) > long_side or image.mode not in ("RGB", "L"):
        return None
    return jpeg.without_metadata(data)


def _upright(image: Image.Image, orientation: int | None) -> Image.Image:
    transpose = _UPRIGHT.get(orientation or 1)
    return image if transpose is None else image.transpose(transpose)


def _resized_to_fit(image: Image.Image, long_side: int) -> Image.Image:
    target = _fitted_size(image.size, long_side)
    if target == image.size:
        return image
    return image.resize(target, _RESAMPLING, reducing_gap=_REDUCING_GAP)


def _as_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode.startswith("I;16"):  # 16-bit grey: Pillow's conversion clips it to white, so keep the top byte
        return Image.fromarray((np.asarray(image, dtype=np.uint16) >> 8).astype(np.uint8)).convert("RGB")
    has_alpha = image.mode in ("RGBA", "RGBa", "LA", "La", "PA") or "transparency" in image.info
    if not has_alpha:
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    flattened = Image.new("RGB", rgba.size, _WHITE)
    flattened.paste(rgba, mask=rgba.getchannel("A"))
    return flattened


def _bare_jpeg(image: Image.Image, quality: int) -> bytes:
    # Rendered images inherit ``info`` (EXIF, ICC, XMP) from the source; clear it so nothing rides along.
    image.info = {}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


# --- a JPEG's layout: damaged data, metadata ----------------------------------------------------------------
# libjpeg only *warns* about damaged entropy-coded data, then fills what it lost with grey, and Pillow ignores the
# warnings; so a JPEG whose data was overwritten decodes "fine". These checks find such damage from the marker
# structure alone, vectorised (about 3 ms for 12 MP). When the layout is not understood they say "not damaged" and
# leave the judgement to the decoder, so an odd but valid JPEG is never refused. The same walk tells where the image
# ends, which is what cutting its metadata out needs.

_SOF_SEQUENTIAL = {0xC0, 0xC1}
_SOF_ANY = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
_AFTER_SCAN = {0xD9, 0xC4, 0xCC, 0xDA, 0xDB, 0xDC, 0xDD, 0xFE, *range(0xE0, 0xF0)}


@dataclass(frozen=True, slots=True)
class _FirstScan:
    data_offset: int
    restart_interval: int
    sof_marker: int | None
    mcus: int
    frame_components: int
    scan_components: int


_EOI = 0xD9
_APP14 = 0xEE  # Adobe: says how to convert the colours, so it cannot be dropped
_COM = 0xFE


@dataclass(frozen=True, slots=True)
class _JpegLayout:
    scan: _FirstScan
    restarts: np.ndarray
    """The restart markers' codes in the first scan's data, in order."""
    end_code: int | None
    """The marker that ends the first scan's data; None when the data runs to the end of the file."""
    end_offset: int

    def is_damaged(self) -> bool:
        if self.end_code is None:  # the decoder's "truncated" judges that
            return False
        if not np.array_equal(self.restarts, 0xD0 + np.arange(self.restarts.size) % 8):
            return True
        if self.end_code not in _AFTER_SCAN:
            return True
        return _restart_count_is_wrong(self.scan, self.restarts.size)

    def without_metadata(self, data: bytes) -> tuple[tuple[int, int], ...] | None:
        """The byte ranges of the image with every APPn segment and comment left out, adjacent ranges joined; None
        unless it is one sequential scan that ends the image, or if it has an Adobe segment."""
        scan = self.scan
        if (
            scan.sof_marker not in _SOF_SEQUENTIAL
            or scan.scan_components != scan.frame_components
            or self.end_code != _EOI
        ):
            return None
        kept, position = [(0, 2)], 2
        while position < scan.data_offset:
            marker = data[position + 1]
            if marker == 0xFF or marker == 0x01 or 0xD0 <= marker <= 0xD7:  # fill byte, TEM, RST: no length
                position += 1 if marker == 0xFF else 2
                continue
            end = position + 2 + struct.unpack_from(">H", data, position + 2)[0]
            if marker == 0xDA:
                kept.append((position, self.end_offset + 2))  # the scan, its data and EOI; nothing after it
                break
            if marker == _APP14:
                return None
            if not (0xE0 <= marker <= 0xEF or marker == _COM):
                kept.append((position, end))
            position = end
        return _joined(kept)


def _joined(ranges: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    joined = [ranges[0]]
    for start, end in ranges[1:]:
        if start == joined[-1][1]:
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return tuple(joined)


def _jpeg_layout(data: bytes) -> _JpegLayout | None:
    scan = _first_scan(data)
    if scan is None:
        return None
    body = np.frombuffer(data, dtype=np.uint8, offset=scan.data_offset)
    marker_at = np.flatnonzero(body[:-1] == 0xFF)
    codes = body[marker_at + 1]
    real = (codes != 0x00) & (codes != 0xFF)  # drop stuffed bytes and fill bytes
    marker_at, codes = marker_at[real], codes[real]
    ends = np.flatnonzero((codes < 0xD0) | (codes > 0xD7))
    if ends.size == 0:
        return _JpegLayout(scan, codes, end_code=None, end_offset=len(data))
    first_end = ends[0]
    return _JpegLayout(
        scan, codes[:first_end], end_code=int(codes[first_end]), end_offset=scan.data_offset + int(marker_at[first_end])
    )


def _restart_count_is_wrong(scan: _FirstScan, restarts: int) -> bool:
    # Only a single interleaved sequential scan has a restart count that the frame size alone predicts.
    if (
        not scan.restart_interval
        or not scan.mcus
        or scan.sof_marker not in _SOF_SEQUENTIAL
        or scan.scan_components != scan.frame_components
    ):
        return False
    return restarts != math.ceil(scan.mcus / scan.restart_interval) - 1


def _first_scan(data: bytes) -> _FirstScan | None:
    position, restart_interval, sof_marker, mcus, frame_components = 2, 0, None, 0, 0
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:
            position += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            position += 2
            continue
        if marker == 0xD9:
            return None
        (length,) = struct.unpack_from(">H", data, position + 2)
        segment = position + 4
        if length < 2 or position + 2 + length > len(data):
            return None
        if marker == 0xDD and length >= 4:
            (restart_interval,) = struct.unpack_from(">H", data, segment)
        elif marker in _SOF_ANY and length >= 8:
            sof_marker, mcus, frame_components = marker, *_frame_mcus(data, segment, length - 2)
        elif marker == 0xDA and length >= 3:
            return _FirstScan(
                data_offset=position + 2 + length,
                restart_interval=restart_interval,
                sof_marker=sof_marker,
                mcus=mcus,
                frame_components=frame_components,
                scan_components=data[segment],
            )
        position += 2 + length
    return None


def _frame_mcus(data: bytes, segment: int, length: int) -> tuple[int, int]:
    height, width = struct.unpack_from(">HH", data, segment + 1)
    components = data[segment + 5]
    if length < 6 + 3 * components or components == 0:
        return 0, 0
    sampling = [data[segment + 7 + 3 * index] for index in range(components)]
    h_max = max(factor >> 4 for factor in sampling) or 1
    v_max = max(factor & 0x0F for factor in sampling) or 1
    if components == 1:  # a lone component is never interleaved: its MCU is one 8×8 block
        h_max = v_max = 1
    return math.ceil(width / (8 * h_max)) * math.ceil(height / (8 * v_max)), components
