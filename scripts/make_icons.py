"""Draws the phone app's icons in pwa/icons/ (run: .venv/bin/python scripts/make_icons.py).

A white clipboard with a blue check on the app's blue: legible at 48 px on a cheap phone's launcher. The "any"
icons are rounded squares with transparent corners; the maskable ones fill the square and keep the drawing inside
the central 80 % circle that launchers may crop to.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

BLUE = (10, 61, 145, 255)
WHITE = (255, 255, 255, 255)
AMBER = (255, 191, 0, 255)
SUPERSAMPLE = 4
ICONS_DIR = Path(__file__).resolve().parent.parent / "pwa" / "icons"


def draw_glyph(draw: ImageDraw.ImageDraw, size: int, scale: float) -> None:
    """The clipboard and check, centred, `scale` times the canvas wide."""
    board_w = size * scale * 0.78
    board_h = size * scale
    left = (size - board_w) / 2
    top = (size - board_h) / 2 + size * scale * 0.04
    radius = board_w * 0.12
    draw.rounded_rectangle((left, top, left + board_w, top + board_h), radius=radius, fill=WHITE)
    clip_w = board_w * 0.5
    clip_h = board_h * 0.16
    clip_left = (size - clip_w) / 2
    clip_top = top - clip_h * 0.45
    draw.rounded_rectangle(
        (clip_left, clip_top, clip_left + clip_w, clip_top + clip_h), radius=clip_h * 0.35, fill=AMBER
    )
    stroke = max(2, round(board_w * 0.13))
    points = [
        (left + board_w * 0.22, top + board_h * 0.56),
        (left + board_w * 0.43, top + board_h * 0.75),
        (left + board_w * 0.80, top + board_h * 0.33),
    ]
    draw.line(points, fill=BLUE, width=stroke, joint="curve")
    for x, y in (points[0], points[-1]):
        draw.ellipse((x - stroke / 2, y - stroke / 2, x + stroke / 2, y + stroke / 2), fill=BLUE)


def icon(size: int, *, maskable: bool) -> Image.Image:
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    if maskable:
        draw.rectangle((0, 0, big, big), fill=BLUE)
        draw_glyph(draw, big, 0.52)
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=big * 0.2, fill=BLUE)
        draw_glyph(draw, big, 0.66)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def save_small(image: Image.Image, path: Path) -> None:
    # Four flat colours plus their anti-aliased edges fit a 64-colour palette: a third of the bytes, same look.
    image.quantize(colors=64, method=Image.Quantize.FASTOCTREE).save(path, optimize=True)


def main() -> None:
    ICONS_DIR.mkdir(exist_ok=True)
    for size in (192, 512):
        save_small(icon(size, maskable=False), ICONS_DIR / f"icon-{size}.png")
        save_small(icon(size, maskable=True), ICONS_DIR / f"maskable-{size}.png")
    save_small(icon(180, maskable=True).convert("RGB").convert("RGBA"), ICONS_DIR / "apple-touch-icon.png")


if __name__ == "__main__":
    main()
