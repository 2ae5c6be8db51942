"""The published contract in ``schemas/``: JSON Schemas generated from the server's msgspec structs, and examples.

Run ``python -m server.schemas`` after changing a contract struct or the default instrument; a unit test fails while
the committed files differ from what this module generates.

Files written (paths relative to ``schemas/``):
- ``instrument.schema.json``, ``visit.schema.json``, ``receipt.schema.json``, ``problem.schema.json``
- ``examples/instrument.json`` (the default instrument), ``examples/visit.json`` (a visit to it),
  ``examples/receipt.json`` (the receipt of that visit), ``examples/problem.json`` (a refused instrument),
  ``examples/ombudsman-kepatuhan.xlsx`` (the default instrument as an XLSForm)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any

import msgspec

from server.domain.instruments.defaults import load_default_instrument
from server.domain.instruments.documents import Indicator, Instrument
from server.domain.instruments.rules import check_instrument
from server.domain.instruments.xlsform import instrument_to_xlsform
from server.domain.visits.documents import (
    Answer,
    AnswerValue,
    Flag,
    PhotoDeclaration,
    Position,
    Receipt,
    VisitDocument,
)
from server.lib.errors import InstrumentInvalid

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_BASE_URL = "https://sidak.dev/schemas/"
SCHEMAS_DIR = Path(__file__).resolve().parent.parent / "schemas"


class ProblemItem(msgspec.Struct, omit_defaults=True):
    """One of several problems found in a request; ``sheet``/``row`` locate it in an uploaded spreadsheet."""

    message: str
    field: str | None = None
    sheet: str | None = None
    row: int | None = None


class Problem(msgspec.Struct, omit_defaults=True):
    """An RFC 9457 ``application/problem+json`` body. Switch on ``code``; show ``detail`` to people."""

    type: str
    title: str
    status: Annotated[int, msgspec.Meta(ge=400, le=599)]
    code: str
    detail: str
    instance: str | None = None
    field: str | None = None
    errors: list[ProblemItem] | None = None


CONTRACTS: dict[str, tuple[type, str]] = {
    "instrument": (Instrument, "Sidak instrument document (a versioned checklist)"),
    "visit": (VisitDocument, "Sidak visit document, PUT /api/visits/{visit_id}"),
    "receipt": (Receipt, "Sidak receipt, the answer to a visit or photo PUT"),
    "problem": (Problem, "Sidak error (RFC 9457 problem+json)"),
}
EXAMPLE_TYPES: dict[str, type] = {
    "examples/instrument.json": Instrument,
    "examples/visit.json": VisitDocument,
    "examples/receipt.json": Receipt,
    "examples/problem.json": Problem,
}
XLSFORM_EXAMPLE = "examples/ombudsman-kepatuhan.xlsx"

EXAMPLE_ASSIGNMENT_ID = uuid.UUID("3f6c1a52-8d0e-4b7a-9c1e-5a2b7d9e0f14")
EXAMPLE_VISIT_ID = uuid.UUID("9b2e4c71-0a3d-4f58-b6e2-7c1d8a5f3e90")
_PHOTO_NAMESPACE = uuid.UUID("5d1e8f0a-2b3c-4d6e-8f90-a1b2c3d4e5f6")
_WIB = timezone(timedelta(hours=7))
_VISIT_STARTED_AT = datetime(2025, 3, 11, 9, 2, tzinfo=_WIB)
_UNIT_LAT, _UNIT_LON = -6.7063, 108.5570  # a service unit in Kabupaten Cirebon
_NOT_APPLICABLE = {"A04"}  # the example unit is level with the street
_NO_ANSWERS = {"A06", "A08", "B13", "D04", "C02", "C03"}  # C02/C03 are reverse-scored: "no" is the good answer
_SCALE_ANSWERS = {"A11": 3, "B04": 2, "B08": 1, "C06": 2, "D01": 2}
_OTHER_ANSWERS: dict[str, AnswerValue] = {
    "A14": 2,
    "C01": 22,
    "B12": "unit",
    "D05": "within_5_days",
    "C10": "09.02 tiba, mengambil nomor antrean 014. 09.24 dilayani di loket 2; petugas menjelaskan syarat dan biaya"
    " dengan jelas. 09.40 bertanya tentang legalisir; dirujuk ke petugas lain. Tidak ada calo terlihat.",
}
_ANSWER_NOTES = {"B08": "Maklumat tidak menyebut kesediaan menerima sanksi."}
_PHOTOS_WITHOUT_GPS = {"B06", "D05"}  # screenshots carry no position
_MISSING_PHOTO_INDICATORS = ("D05", "D06")


# --- schemas ----------------------------------------------------------------------------------------------------


def schema_document(name: str) -> dict[str, Any]:
    struct, title = CONTRACTS[name]
    schema = msgspec.json.schema(struct)
    return {"$schema": SCHEMA_DIALECT, "$id": f"{SCHEMA_BASE_URL}{name}.schema.json", "title": title, **schema}


def schema_files() -> dict[str, bytes]:
    return {f"{name}.schema.json": _pretty(schema_document(name), sort_keys=True) for name in CONTRACTS}


def _pretty(value: Any, *, sort_keys: bool = False) -> bytes:
    return (json.dumps(value, indent=2, sort_keys=sort_keys, ensure_ascii=False) + "\n").encode()


# --- examples ---------------------------------------------------------------------------------------------------


def example_visit(instrument: Instrument) -> VisitDocument:
    """A plausible visit to a unit answering every indicator of ``instrument`` (48 for the default one)."""
    indicators = list(instrument.indicators().values())
    answers = [
        _example_answer(indicator, _VISIT_STARTED_AT + timedelta(minutes=1 + n))
        for n, indicator in enumerate(indicators)
    ]
    photos = [
        _example_photo(indicator, _VISIT_STARTED_AT + timedelta(minutes=1 + n, seconds=20))
        for n, indicator in enumerate(indicators)
        if indicator.photo != "none" and indicator.id not in _NOT_APPLICABLE
    ]
    return VisitDocument(
        assignment_id=EXAMPLE_ASSIGNMENT_ID,
        revision=1,
        started_at=_VISIT_STARTED_AT,
        finished_at=_VISIT_STARTED_AT + timedelta(minutes=len(indicators) + 4),
        positions=[
            _example_position(0.0004, -0.0003, 35.0, _VISIT_STARTED_AT - timedelta(minutes=1)),
            _example_position(0.00005, 0.00004, 8.5, _VISIT_STARTED_AT),
            _example_position(-0.00003, 0.00002, 12.0, _VISIT_STARTED_AT + timedelta(minutes=30)),
        ],
        answers=answers,
        photos=photos,
    )


def _example_position(d_lat: float, d_lon: float, accuracy_m: float, at: datetime) -> Position:
    # Rounded so that the example shows coordinates as a phone sends them, not float noise.
    return Position(lat=round(_UNIT_LAT + d_lat, 6), lon=round(_UNIT_LON + d_lon, 6), accuracy_m=accuracy_m, at=at)


def _example_answer(indicator: Indicator, answered_at: datetime) -> Answer:
    note = _ANSWER_NOTES.get(indicator.id)
    if indicator.id in _NOT_APPLICABLE:
        return Answer(
            indicator=indicator.id,
            answered_at=answered_at,
            not_applicable=True,
            note="Pintu masuk rata dengan jalan, tanpa anak tangga.",
        )
    return Answer(indicator=indicator.id, answered_at=answered_at, value=_example_value(indicator), note=note)


def _example_value(indicator: Indicator) -> AnswerValue:
    if indicator.id in _OTHER_ANSWERS:
        return _OTHER_ANSWERS[indicator.id]
    match indicator.type:
        case "yes_no":
            return indicator.id not in _NO_ANSWERS
        case "scale_0_3":
            return _SCALE_ANSWERS.get(indicator.id, 3)
        case "choice":
            return indicator.choices[-1].value if indicator.choices else ""
        case "number":
            return 1
        case _:
            return "-"


def _example_photo(indicator: Indicator, taken_at: datetime) -> PhotoDeclaration:
    has_gps = indicator.id not in _PHOTOS_WITHOUT_GPS
    return PhotoDeclaration(
        id=example_photo_id(indicator.id),
        indicator=indicator.id,
        sha256=hashlib.sha256(f"example photo of {indicator.id}".encode()).hexdigest(),
        size=180_000 + 1_000 * (sum(map(ord, indicator.id)) % 200),
        content_type="image/png" if not has_gps else "image/jpeg",
        taken_at=taken_at,
        lat=round(_UNIT_LAT + 0.00002, 6) if has_gps else None,
        lon=round(_UNIT_LON - 0.00001, 6) if has_gps else None,
        accuracy_m=9.0 if has_gps else None,
    )


def example_photo_id(indicator_id: str) -> uuid.UUID:
    return uuid.uuid5(_PHOTO_NAMESPACE, indicator_id)


def example_receipt(visit: VisitDocument) -> Receipt:
    """The receipt while the last two photos are still on the phone, with one informational flag."""
    missing = [photo.id for photo in visit.photos if photo.indicator in _MISSING_PHOTO_INDICATORS]
    screenshot = next(photo for photo in visit.photos if photo.indicator == "B06")
    return Receipt(
        id=EXAMPLE_VISIT_ID,
        revision=visit.revision,
        status="incomplete" if missing else "submitted",
        missing_photos=missing,
        flags=[
            Flag(
                code="photo.no_exif",
                severity="info",
                photo_id=screenshot.id,
                detail="The photo carries no EXIF data (time and position come from the phone).",
            )
        ],
    )


def example_problem(instrument: Instrument) -> dict[str, Any]:
    """The problem an admin gets for an instrument with a one-choice indicator and a duplicated indicator id."""
    broken = msgspec.convert(msgspec.to_builtins(instrument), type=Instrument)
    choice_indicator = next(i for i in broken.indicators().values() if i.type == "choice")
    choice_indicator.choices = (choice_indicator.choices or [])[:1]
    broken.dimensions[-1].indicators[-1].id = broken.dimensions[-1].indicators[0].id
    try:
        check_instrument(broken)
    except InstrumentInvalid as error:
        return error.as_problem(instance="/api/admin/instruments")
    raise AssertionError("the broken example instrument passed the rules")


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nulls(item) for item in value]
    return value


def example_files() -> dict[str, bytes]:
    instrument = load_default_instrument()
    visit = example_visit(instrument)
    return {
        "examples/instrument.json": _pretty(_without_nulls(msgspec.to_builtins(instrument))),
        "examples/visit.json": _pretty(_without_nulls(msgspec.to_builtins(visit))),
        "examples/receipt.json": _pretty(msgspec.to_builtins(example_receipt(visit))),
        "examples/problem.json": _pretty(example_problem(instrument)),
        XLSFORM_EXAMPLE: instrument_to_xlsform(instrument),
    }


def published_files() -> dict[str, bytes]:
    """Every generated file, keyed by its path relative to ``schemas/``."""
    return {**schema_files(), **example_files()}


def write_published_files(directory: Path = SCHEMAS_DIR) -> list[Path]:
    written = []
    for relative, content in published_files().items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_bytes() != content:
            path.write_bytes(content)
            written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m server.schemas", description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", type=Path, default=SCHEMAS_DIR, help="default: %(default)s")
    args = parser.parse_args(argv)
    written = write_published_files(args.directory)
    for path in written:
        print(f"wrote {path}")
    if not written:
        print(f"{args.directory} is current")


if __name__ == "__main__":
    main()
