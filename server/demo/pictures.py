"""Pictures that look like a visit's evidence, drawn with Pillow: a waiting room with its chairs, a notice board with
the service standard, a queue-number machine, a complaint box, a counter, a toilet door, a ramp, a phone's screen.

A picture is a *subject* (what the indicator asks to photograph) in a *place* (one unit's room: its wall and floor
colours, where things stand) seen in one *take* (where the surveyor stood: the camera pans, leans and zooms, the
light changes). Drawing a room is the costly part, so each (subject, place) is drawn once, a little wider than the
camera sees, and every take is a cheap crop of it. Takes differ enough that their perceptual hashes are far apart:
the same office photographed a year later is a new photo, not a reused one.

Pure Pillow: no app, no database. The same arguments always give the same pixels.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

WIDTH, HEIGHT = 640, 480
# The room is drawn larger than a photo, so that a take can stand elsewhere in it: a crop costs nothing, a resize
# would cost more than drawing the room again.
_ROOM_W, _ROOM_H = 820, 620

Colour = tuple[int, int, int]
Draw = ImageDraw.ImageDraw


@dataclass(frozen=True)
class Subject:
    """What a photo shows: a ``kind`` of scene (``SCENES``) and the words on its sign or poster."""

    kind: str
    title: str
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class Take:
    """Where the camera stood and what stood in front of it: ``left`` and ``top`` of the view inside the room,
    ``passer_x`` where a person walked through the picture and ``pillar_x`` where a pillar hid part of the room (None:
    nothing)."""

    left: int
    top: int
    passer_x: int | None
    pillar_x: int | None


def take_of(seed: int | str) -> Take:
    """A take drawn from ``seed``: another seed, another place to stand."""
    rng = random.Random(seed)
    return Take(
        left=rng.randrange(0, _ROOM_W - WIDTH + 1),
        top=rng.randrange(0, (_ROOM_H - HEIGHT) // 2 + 1),
        passer_x=rng.choice([rng.randrange(-90, 40), rng.randrange(WIDTH - 120, WIDTH - 20)])
        if rng.random() < 0.5
        else None,
        pillar_x=rng.randrange(-40, WIDTH - 40) if rng.random() < 0.6 else None,
    )


def picture(subject: Subject, place_seed: int, take: Take) -> Image.Image:
    """The photo of ``subject`` in the place ``place_seed`` from ``take``, ``WIDTH`` × ``HEIGHT``, RGB."""
    view = _room(subject, place_seed).crop((take.left, take.top, take.left + WIDTH, take.top + HEIGHT))
    draw = ImageDraw.Draw(view)
    if take.pillar_x is not None:
        draw.rectangle([take.pillar_x, 0, take.pillar_x + 110, HEIGHT], fill=(96, 92, 88))
        draw.rectangle([take.pillar_x + 8, 0, take.pillar_x + 30, HEIGHT], fill=(120, 116, 110))
    if take.passer_x is not None:
        _passer_by(draw, take.passer_x)
    return view


def _passer_by(draw: Draw, x: int) -> None:
    """Somebody walking past close to the camera, out of focus: a dark shape, never a face."""
    draw.ellipse([x + 30, 230, x + 110, 320], fill=(34, 28, 26))
    draw.rounded_rectangle([x, 310, x + 140, HEIGHT + 40], radius=44, fill=(52, 60, 84))


# --- rooms ----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Palette:
    wall: Colour
    floor: Colour
    accent: Colour
    wood: Colour
    horizon: int


def _palette(rng: random.Random) -> _Palette:
    walls = [(232, 228, 214), (214, 226, 232), (236, 222, 200), (220, 232, 214), (240, 236, 230), (226, 214, 226)]
    floors = [(196, 190, 180), (170, 160, 150), (205, 200, 196), (150, 140, 120), (186, 180, 190)]
    accents = [(30, 90, 170), (20, 130, 90), (170, 40, 40), (200, 120, 20), (90, 60, 150), (20, 120, 140)]
    return _Palette(
        wall=_jitter(rng.choice(walls), rng),
        floor=_jitter(rng.choice(floors), rng),
        accent=rng.choice(accents),
        wood=_jitter((140, 96, 60), rng),
        horizon=round(_ROOM_H * rng.uniform(0.58, 0.7)),
    )


def _jitter(colour: Colour, rng: random.Random, by: int = 12) -> Colour:
    r, g, b = (max(0, min(255, c + rng.randint(-by, by))) for c in colour)
    return r, g, b


@functools.lru_cache(maxsize=64)
def _room(subject: Subject, place_seed: int) -> Image.Image:
    rng = random.Random(f"{place_seed}:{subject.kind}:{subject.title}")
    palette = _palette(rng)
    image = Image.new("RGB", (_ROOM_W, _ROOM_H), palette.wall)
    draw = ImageDraw.Draw(image)
    _floor(draw, palette, rng)
    SCENES[subject.kind](draw, subject, palette, rng)
    return image


def _floor(draw: Draw, palette: _Palette, rng: random.Random) -> None:
    horizon = palette.horizon
    draw.rectangle([0, horizon, _ROOM_W, _ROOM_H], fill=palette.floor)
    draw.rectangle([0, horizon - 8, _ROOM_W, horizon], fill=_shade(palette.wall, 0.75))
    tile = _shade(palette.floor, 0.85)
    for i in range(-12, 13):
        draw.line([(_ROOM_W / 2 + i * 40, horizon), (_ROOM_W / 2 + i * 160, _ROOM_H)], fill=tile, width=2)
    y, step = horizon + 12, 14
    while y < _ROOM_H:
        draw.line([(0, y), (_ROOM_W, y)], fill=tile, width=2)
        y, step = y + step, step + 8
    # Something on the wall behind: a clock, a window, a plant; where depends on the room.
    x = rng.randrange(40, _ROOM_W - 120)
    if rng.random() < 0.5:
        draw.ellipse([x, 40, x + 60, 100], fill=(250, 250, 250), outline=(40, 40, 40), width=4)
        draw.line([(x + 30, 70), (x + 30, 48)], fill=(20, 20, 20), width=3)
        draw.line([(x + 30, 70), (x + 46, 78)], fill=(20, 20, 20), width=3)
    else:
        draw.rectangle([x, 30, x + 110, 150], fill=(190, 215, 235), outline=(90, 90, 90), width=6)
        draw.line([(x + 55, 30), (x + 55, 150)], fill=(90, 90, 90), width=4)


def _shade(colour: Colour, factor: float) -> Colour:
    r, g, b = (max(0, min(255, round(c * factor))) for c in colour)
    return r, g, b


@functools.lru_cache(maxsize=16)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _text(draw: Draw, xy: tuple[float, float], text: str, size: int, fill: Colour, *, anchor: str = "la") -> None:
    draw.text(xy, text, font=_font(size), fill=fill, anchor=anchor)


# --- scenes -----------------------------------------------------------------------------------------------------------


def _poster(draw: Draw, subject: Subject, palette: _Palette, rng: random.Random) -> None:
    """A notice board on the wall with a printed poster: its title in a coloured band, then lines of text."""
    w, h = rng.randrange(430, 560), rng.randrange(330, 420)
    x, y = rng.randrange(60, _ROOM_W - w - 60), rng.randrange(50, max(60, palette.horizon - h - 30))
    draw.rectangle([x - 18, y - 18, x + w + 18, y + h + 18], fill=palette.wood)
    draw.rectangle([x, y, x + w, y + h], fill=(250, 250, 246))
    draw.rectangle([x, y, x + w, y + 64], fill=palette.accent)
    _text(draw, (x + w / 2, y + 32), subject.title, 30, (255, 255, 255), anchor="mm")
    line_y = y + 86
    for line in subject.lines or _filler(rng):
        _text(draw, (x + 24, line_y), line, 20, (30, 30, 40))
        line_y += 32
        if line_y > y + h - 30:
            break
    draw.ellipse([x + w - 70, y + h - 70, x + w - 20, y + h - 20], outline=(60, 60, 160), width=4)  # a stamp


def _filler(rng: random.Random) -> tuple[str, ...]:
    words = ["pelayanan", "persyaratan", "dokumen", "hari kerja", "loket", "petugas", "biaya", "pengguna", "standar"]
    return tuple(f"{i}. " + " ".join(rng.choice(words) for _ in range(rng.randint(3, 5))) for i in range(1, 9))


def _chairs(draw: Draw, subject: Subject, palette: _Palette, rng: random.Random) -> None:
    """Rows of linked plastic chairs, as in every waiting room; a sign above them when the subject has a title."""
    seat = rng.choice([(40, 90, 170), (30, 120, 200), (200, 60, 50), (60, 60, 70), (230, 150, 30)])
    rows = rng.randint(2, 3)
    for row in range(rows):
        y = palette.horizon - 70 + row * 95
        scale = 1 + row * 0.25
        first = rng.randrange(20, 160)
        for i in range(rng.randint(5, 8)):
            x = first + i * 92 * scale
            _chair(draw, x, y, scale, seat)
    if subject.title:
        _sign(draw, subject.title, rng.randrange(80, _ROOM_W - 420), 60, palette.accent)


def _chair(draw: Draw, x: float, y: float, scale: float, colour: Colour) -> None:
    w = 80 * scale
    draw.rectangle([x, y - 70 * scale, x + w, y], fill=colour)  # back
    draw.rectangle([x - 4, y, x + w + 4, y + 22 * scale], fill=_shade(colour, 0.8))  # seat
    draw.line([(x + 8, y + 22 * scale), (x + 8, y + 70 * scale)], fill=(70, 70, 70), width=5)
    draw.line([(x + w - 8, y + 22 * scale), (x + w - 8, y + 70 * scale)], fill=(70, 70, 70), width=5)


def _sign(draw: Draw, text: str, x: float, y: float, colour: Colour) -> None:
    width = max(260, 19 * len(text))
    draw.rectangle([x, y, x + width, y + 64], fill=colour, outline=(30, 30, 30), width=3)
    _text(draw, (x + width / 2, y + 32), text, 30, (255, 255, 255), anchor="mm")


def _counter(draw: Draw, subject: Subject, palette: _Palette, rng: random.Random) -> None:
    """A service counter with its numbered windows, a monitor on each, and staff seen from behind."""
    top = palette.horizon - 40
    draw.rectangle([0, top, _ROOM_W, top + 150], fill=palette.wood)
    draw.rectangle([0, top - 14, _ROOM_W, top], fill=_shade(palette.wood, 1.3))
    windows = rng.randint(3, 5)
    width = _ROOM_W / windows
    for i in range(windows):
        x = i * width + 20
        draw.rectangle([x, top - 210, x + width - 40, top - 150], fill=palette.accent)
        _text(draw, (x + (width - 40) / 2, top - 180), f"LOKET {i + 1}", 26, (255, 255, 255), anchor="mm")
        draw.rectangle([x + 30, top - 110, x + 130, top - 40], fill=(40, 40, 50))
        draw.rectangle([x + 36, top - 104, x + 124, top - 46], fill=(120, 170, 210))
        if subject.lines:  # staff at work, from the back: no faces
            cx = x + (width - 40) / 2 + 40
            draw.ellipse([cx - 32, top + 20, cx + 32, top + 84], fill=(40, 30, 25))
            draw.rectangle([cx - 60, top + 80, cx + 60, _ROOM_H], fill=_uniform(subject))
    if subject.title:
        _sign(draw, subject.title, rng.randrange(40, _ROOM_W - 520), 24, _shade(palette.accent, 0.7))


def _uniform(subject: Subject) -> Colour:
    return (200, 190, 150) if "khaki" in subject.lines else (240, 240, 240)


def _door(draw: Draw, subject: Subject, palette: _Palette, rng: random.Random) -> None:
    """A door with its sign (toilet, accessible toilet, nursing room), and the wall tiles beside it."""
    x = rng.randrange(200, _ROOM_W - 420)
    bottom = palette.horizon + 20
    draw.rectangle([x, bottom - 440, x + 230, bottom], fill=_shade(palette.wood, 1.1), outline=(60, 40, 30), width=8)
    draw.ellipse([x + 190, bottom - 240, x + 214, bottom - 216], fill=(200, 200, 200))
    sign_x = x + 260
    draw.rectangle([sign_x, bottom - 420, sign_x + 200, bottom - 220], fill=palette.accent)
    _pictogram(draw, subject.lines[0] if subject.lines else "person", sign_x + 100, bottom - 320)
    _text(draw, (sign_x + 100, bottom - 190), subject.title, 24, (30, 30, 30), anchor="mm")


def _pictogram(draw: Draw, kind: str, cx: float, cy: float) -> None:
    white = (255, 255, 255)
    if kind == "wheelchair":
        draw.ellipse([cx - 14, cy - 70, cx + 14, cy - 42], fill=white)
        draw.line([(cx, cy - 40), (cx, cy + 10), (cx + 40, cy + 10)], fill=white, width=10)
        draw.arc([cx - 50, cy - 10, cx + 30, cy + 70], 0, 360, fill=white, width=8)
    elif kind == "mother":
        draw.ellipse([cx - 30, cy - 70, cx, cy - 40], fill=white)
        draw.polygon([(cx - 50, cy + 60), (cx - 15, cy - 38), (cx + 20, cy + 60)], fill=white)
        draw.ellipse([cx + 4, cy - 20, cx + 40, cy + 14], fill=white)
    else:
        for dx in (-35, 35):
            draw.ellipse([cx + dx - 14, cy - 70, cx + dx + 14, cy - 42], fill=white)
            draw.rectangle([cx + dx - 18, cy - 36, cx + dx + 18, cy + 60], fill=white)


def _machine(draw: Draw, subject: Subject, palette: _Palette, rng: random.Random) -> None:
    """A free-standing box on a stand: a queue-number machine, a satisfaction kiosk or a complaint box."""
    x = rng.randrange(200, _ROOM_W - 420)
    bottom = palette.horizon + 80
    body = (235, 235, 235) if subject.lines and subject.lines[0] == "kiosk" else palette.accent
    if subject.lines and subject.lines[0] == "box":
        draw.rectangle([x + 60, bottom - 220, x + 190, bottom], fill=(90, 90, 90))
        draw.rectangle([x, bottom - 420, x + 250, bottom - 220], fill=body, outline=(20, 20, 20), width=4)
        draw.rectangle([x + 60, bottom - 400, x + 190, bottom - 388], fill=(20, 20, 20))  # the slot
        _text(draw, (x + 125, bottom - 330), "KOTAK", 28, (255, 255, 255), anchor="mm")
        _text(draw, (x + 125, bottom - 290), "PENGADUAN", 28, (255, 255, 255), anchor="mm")
    else:
        draw.rectangle([x, bottom - 470, x + 250, bottom], fill=body, outline=(20, 20, 20), width=4)
        draw.rectangle([x + 30, bottom - 440, x + 220, bottom - 300], fill=(20, 20, 30))
        if subject.lines and subject.lines[0] == "kiosk":
            for i, colour in enumerate([(40, 170, 60), (230, 190, 30), (210, 50, 40)]):
                draw.ellipse([x + 40 + i * 60, bottom - 400, x + 90 + i * 60, bottom - 350], fill=colour)
        else:
            _text(draw, (x + 125, bottom - 370), f"A{rng.randint(10, 99):03d}", 54, (240, 40, 30), anchor="mm")
            draw.rectangle([x + 70, bottom - 250, x + 180, bottom - 236], fill=(20, 20, 20))  # ticket slot
            draw.rectangle([x + 90, bottom - 236, x + 160, bottom - 200], fill=(250, 250, 250))
    _sign(draw, subject.title, x + 300, bottom - 440, _shade(palette.accent, 0.8))


def _screen(draw: Draw, subject: Subject, palette: _Palette, rng: random.Random) -> None:
    """A phone held up to the camera, showing a web page or a chat: what a surveyor photographs as proof."""
    x, y = rng.randrange(220, _ROOM_W - 480), rng.randrange(30, 90)
    draw.rounded_rectangle([x, y, x + 300, y + 560], radius=36, fill=(25, 25, 30))
    screen = (x + 16, y + 50, x + 284, y + 520)
    draw.rectangle(screen, fill=(250, 250, 250))
    draw.rectangle([screen[0], screen[1], screen[2], screen[1] + 56], fill=palette.accent)
    _text(draw, (screen[0] + 12, screen[1] + 16), subject.title, 20, (255, 255, 255))
    line_y = screen[1] + 76
    for i, line in enumerate(subject.lines or _filler(rng)):
        if subject.kind == "chat":
            left = screen[0] + (12 if i % 2 == 0 else 60)
            draw.rounded_rectangle([left, line_y - 6, left + 196, line_y + 40], radius=10, fill=(220, 248, 200))
            _text(draw, (left + 8, line_y + 6), line, 16, (20, 20, 20))
            line_y += 62
        else:
            _text(draw, (screen[0] + 12, line_y), line, 16, (30, 30, 40))
            line_y += 30
        if line_y > screen[3] - 40:
            break
    # A hand holding the phone.
    draw.ellipse([x - 60, y + 380, x + 80, y + 640], fill=(190, 140, 100))


def _floor_thing(draw: Draw, subject: Subject, palette: _Palette, rng: random.Random) -> None:
    """What stands on the floor: a ramp with its handrail, a wheelchair, a tactile path, a play mat, a fire
    extinguisher with the evacuation sign."""
    thing = subject.lines[0] if subject.lines else ""
    horizon = palette.horizon
    if thing == "ramp":
        draw.polygon(
            [(80, _ROOM_H), (_ROOM_W - 200, horizon - 40), (_ROOM_W - 100, horizon - 40), (360, _ROOM_H)],
            fill=(170, 170, 165),
        )
        for offset in (0, 280):
            draw.line(
                [(60 + offset, _ROOM_H - 160), (_ROOM_W - 220 + offset / 3, horizon - 200)],
                fill=(200, 200, 205),
                width=12,
            )
    elif thing == "wheelchair":
        cx, cy = rng.randrange(300, _ROOM_W - 300), horizon + 120
        draw.ellipse([cx - 150, cy - 60, cx + 50, cy + 140], outline=(40, 40, 40), width=14)
        draw.ellipse([cx + 80, cy + 70, cx + 140, cy + 130], outline=(40, 40, 40), width=10)
        draw.rectangle([cx - 80, cy - 60, cx + 110, cy - 20], fill=palette.accent)
        draw.rectangle([cx - 110, cy - 260, cx - 70, cy - 20], fill=palette.accent)
        draw.line([(cx - 110, cy - 260), (cx - 150, cy - 280)], fill=(60, 60, 60), width=10)
    elif thing == "tactile":
        for i in range(9):
            y = horizon + i * (_ROOM_H - horizon) / 9
            half = 40 + i * 14
            draw.rectangle(
                [_ROOM_W / 2 - half, y, _ROOM_W / 2 + half, y + (_ROOM_H - horizon) / 9 - 4], fill=(235, 190, 20)
            )
            for k in range(-3, 4):
                draw.line(
                    [(_ROOM_W / 2 + k * half / 4, y + 4), (_ROOM_W / 2 + k * half / 4, y + 20)],
                    fill=(190, 150, 10),
                    width=4,
                )
    elif thing == "play":
        for i, colour in enumerate([(230, 60, 60), (60, 160, 230), (250, 200, 40), (80, 190, 90)]):
            x = 160 + (i % 2) * 240 + rng.randrange(0, 60)
            y = horizon + 40 + (i // 2) * 110
            draw.rectangle([x, y, x + 230, y + 100], fill=colour)
        draw.ellipse([_ROOM_W - 360, horizon - 60, _ROOM_W - 240, horizon + 60], fill=(240, 120, 40))
    else:  # extinguisher
        x = rng.randrange(200, _ROOM_W - 400)
        draw.rounded_rectangle([x, horizon - 260, x + 90, horizon + 40], radius=30, fill=(200, 20, 20))
        draw.rectangle([x + 30, horizon - 300, x + 60, horizon - 260], fill=(30, 30, 30))
        draw.rectangle([x - 20, horizon - 460, x + 110, horizon - 400], fill=(20, 140, 60))
        _text(draw, (x + 45, horizon - 430), "APAR", 28, (255, 255, 255), anchor="mm")
    _sign(draw, subject.title, rng.randrange(60, _ROOM_W - 480), 40, (20, 130, 70))


SCENES: dict[str, Callable[[Draw, Subject, _Palette, random.Random], None]] = {
    "poster": _poster,
    "chairs": _chairs,
    "counter": _counter,
    "door": _door,
    "machine": _machine,
    "screen": _screen,
    "chat": _screen,
    "floor": _floor_thing,
}
