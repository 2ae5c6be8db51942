from __future__ import annotations

import csv
import io
import json
from decimal import Decimal

from openpyxl import load_workbook

from tests.integration.results.helpers import by_id, decide, results_of
from tests.integration.review.factories import a_scene, a_submitted_visit, random_answers


async def a_scored_wave(client, make):
    scene = await a_scene(make, units=3, other_units=2)
    unmapped = await make.unit(agency=scene.agency, lat=None, lon=None)
    for seed, unit in enumerate([*scene.units, *scene.other_units, unmapped]):
        visit = await a_submitted_visit(
            make, await scene.assignment(make, unit), answers=random_answers(scene.instrument, seed)
        )
        if seed != 1:  # one unit stays unscored
            await decide(client, make, scene.admin, visit, "approve")
    return scene, unmapped


def json_figures(body):
    figures = {}
    for level, rows in (("unit", body["units"]), ("agency", body["agencies"]), ("region", body["regions"])):
        for row in rows:
            figures[(level, row["id"])] = (
                row["score"],
                row["zone"],
                row["grade"],
                sorted(row["visit_ids"]),
                row["dimensions"].get("B"),
            )
    return figures


async def test_the_csv_parses_back_to_the_same_figures(client, make):
    scene, _ = await a_scored_wave(client, make)
    body = await results_of(client, make, scene.admin, scene.wave)

    response = await results_of(client, make, scene.admin, scene.wave, ".csv")

    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
    parsed = {
        (row["level"], row["id"]): (
            row["score"] or None,
            row["zone"] or None,
            row["grade"] or None,
            sorted(row["visit_ids"].split()),
            row["dimension_B"] or None,
        )
        for row in rows
    }
    assert parsed == json_figures(body)
    assert {row["level"] for row in rows} == {"unit", "agency", "region"}


async def test_the_workbook_has_one_sheet_per_level_with_the_same_figures(client, make):
    scene, _ = await a_scored_wave(client, make)
    body = await results_of(client, make, scene.admin, scene.wave)

    response = await results_of(client, make, scene.admin, scene.wave, ".xlsx")

    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Unit Layanan", "Perangkat Daerah", "Wilayah"]
    parsed = {}
    for level, sheet in zip(("unit", "agency", "region"), workbook.worksheets, strict=True):
        header, *rows = list(sheet.iter_rows(values_only=True))
        for values in rows:
            row = dict(zip(header, values, strict=True))
            score = None if row["score"] is None else f"{Decimal(str(row['score'])):.2f}"
            dimension_b = None if row["dimension_B"] is None else f"{Decimal(str(row['dimension_B'])):.2f}"
            parsed[(level, row["id"])] = (
                score,
                row["zone"],
                row["grade"],
                sorted((row["visit_ids"] or "").split()),
                dimension_b,
            )
    assert parsed == json_figures(body)
    header, *rows = list(workbook["Unit Layanan"].iter_rows(values_only=True))
    scores = [row[header.index("score")] for row in rows if row[header.index("score")] is not None]
    assert scores and all(isinstance(score, float) for score in scores)  # numbers a spreadsheet can sort


async def test_the_geojson_has_every_located_unit_as_a_point_with_its_zone_and_score(client, make):
    scene, unmapped = await a_scored_wave(client, make)
    units = by_id((await results_of(client, make, scene.admin, scene.wave))["units"])

    response = await results_of(client, make, scene.admin, scene.wave, ".geojson")

    collection = json.loads(response.content)
    assert collection["type"] == "FeatureCollection"
    features = {feature["id"]: feature for feature in collection["features"]}
    assert set(features) == set(units) - {str(unmapped.id)}
    for unit_id, feature in features.items():
        assert feature["geometry"] == {"type": "Point", "coordinates": [units[unit_id]["lon"], units[unit_id]["lat"]]}
        properties = feature["properties"]
        assert (properties["score"] or None, properties["zone"]) == (units[unit_id]["score"], units[unit_id]["zone"])
        assert properties["name"] == units[unit_id]["name"]


async def test_a_supervisors_exports_hold_only_their_regions(client, make):
    scene, _ = await a_scored_wave(client, make)

    rows = list(
        csv.DictReader(
            io.StringIO((await results_of(client, make, scene.supervisor, scene.wave, ".csv")).content.decode("utf-8"))
        )
    )
    geojson = json.loads((await results_of(client, make, scene.supervisor, scene.wave, ".geojson")).content)

    assert {row["region"] for row in rows if row["level"] != "region"} == {"Kabupaten Cirebon"}
    assert {f["properties"]["region"] for f in geojson["features"]} == {"Kabupaten Cirebon"}


async def test_names_that_look_like_formulas_stay_text_in_csv_and_workbook(client, make):
    scene = await a_scene(make, units=0, other_units=0)
    unit = await make.unit(agency=scene.agency, name='=HYPERLINK("http://example.invalid","klik")')
    await scene.assignment(make, unit)

    text = (await results_of(client, make, scene.admin, scene.wave, ".csv")).content.decode("utf-8")
    workbook = load_workbook(io.BytesIO((await results_of(client, make, scene.admin, scene.wave, ".xlsx")).content))

    [row] = [r for r in csv.DictReader(io.StringIO(text)) if r["level"] == "unit"]
    assert row["name"].startswith("'=HYPERLINK")
    cell = workbook["Unit Layanan"]["B2"]
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"
