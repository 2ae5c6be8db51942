"""``schemas/`` is the published contract: it must be what the server's structs generate, and its examples must pass."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import jsonschema
import msgspec
import pytest

from server.domain.instruments.documents import Instrument
from server.domain.instruments.rules import check_instrument
from server.domain.instruments.xlsform import instrument_from_xlsform
from server.domain.visits.documents import Receipt, VisitDocument
from server.domain.visits.validation import validate_visit
from server.schemas import EXAMPLE_TYPES, XLSFORM_EXAMPLE, Problem, published_files, schema_files

SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
REGENERATE = "schemas/ is out of date: run `python -m server.schemas` and commit the result"
GENERATED = published_files()


def committed(relative: str) -> bytes:
    return (SCHEMAS_DIR / relative).read_bytes()


def xlsx_parts(data: bytes) -> dict[str, bytes]:
    # Compared part by part, not byte for byte: another zlib build may compress the same parts differently.
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


@pytest.mark.parametrize("relative", sorted(GENERATED))
def test_the_committed_file_is_what_the_generator_writes(relative: str) -> None:
    path = SCHEMAS_DIR / relative
    assert path.exists(), f"{relative} is missing; {REGENERATE}"
    if relative.endswith(".xlsx"):
        assert xlsx_parts(path.read_bytes()) == xlsx_parts(GENERATED[relative]), f"{relative} differs; {REGENERATE}"
    else:
        assert path.read_bytes() == GENERATED[relative], f"{relative} differs; {REGENERATE}"


def test_the_four_contracts_are_published_as_pretty_json_with_sorted_keys() -> None:
    assert set(schema_files()) == {
        "instrument.schema.json",
        "visit.schema.json",
        "receipt.schema.json",
        "problem.schema.json",
    }
    for name in schema_files():
        text = committed(name).decode()
        schema = json.loads(text)
        assert text == json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


@pytest.mark.parametrize(("relative", "struct"), sorted(EXAMPLE_TYPES.items()))
def test_each_example_decodes_strictly_into_its_struct(relative: str, struct: type) -> None:
    msgspec.json.decode(committed(relative), type=struct)


@pytest.mark.parametrize(
    ("relative", "schema_name"),
    [
        ("examples/instrument.json", "instrument"),
        ("examples/visit.json", "visit"),
        ("examples/receipt.json", "receipt"),
        ("examples/problem.json", "problem"),
    ],
)
def test_each_example_validates_against_its_published_json_schema(relative: str, schema_name: str) -> None:
    schema = json.loads(committed(f"{schema_name}.schema.json"))
    jsonschema.Draft202012Validator(schema).validate(json.loads(committed(relative)))


def test_the_instrument_example_follows_the_rules_and_matches_its_xlsform() -> None:
    instrument = msgspec.json.decode(committed("examples/instrument.json"), type=Instrument)
    check_instrument(instrument)
    assert instrument_from_xlsform(committed(XLSFORM_EXAMPLE)) == instrument


def test_the_visit_example_answers_all_48_indicators_with_photos() -> None:
    visit = msgspec.json.decode(committed("examples/visit.json"), type=VisitDocument)
    instrument = msgspec.json.decode(committed("examples/instrument.json"), type=Instrument)
    assert [answer.indicator for answer in visit.answers] == list(instrument.indicators())
    assert len(visit.answers) == 48
    assert visit.photos and all(instrument.indicators()[p.indicator].photo != "none" for p in visit.photos)


def test_the_visit_example_passes_the_servers_visit_validation() -> None:
    visit = msgspec.json.decode(committed("examples/visit.json"), type=VisitDocument)
    instrument = msgspec.json.decode(committed("examples/instrument.json"), type=Instrument)
    validate_visit(visit, instrument, now=visit.finished_at + timedelta(hours=1))


def test_the_receipt_example_speaks_of_photos_the_visit_example_declares() -> None:
    visit = msgspec.json.decode(committed("examples/visit.json"), type=VisitDocument)
    receipt = msgspec.json.decode(committed("examples/receipt.json"), type=Receipt)
    declared = {photo.id for photo in visit.photos}
    assert receipt.missing_photos and set(receipt.missing_photos) <= declared
    assert receipt.status == "incomplete"
    assert all(flag.photo_id in declared for flag in receipt.flags if flag.photo_id)


def test_the_problem_example_lists_every_problem_with_its_field() -> None:
    problem = msgspec.json.decode(committed("examples/problem.json"), type=Problem)
    assert (problem.status, problem.code) == (422, "instrument.invalid")
    assert problem.errors and problem.field == problem.errors[0].field
    assert all(item.message for item in problem.errors)
