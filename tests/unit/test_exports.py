import csv
import io
import json
import uuid
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook

from server.db.models import Wave
from server.domain.instruments.documents import Text
from server.domain.results.exports import results_csv, results_geojson, results_xlsx
from server.domain.results.profiles import OMBUDSMAN_2021, profile_to_dict
from server.domain.results.values import ApprovedScore, DimensionInfo, UnitPlace
from server.domain.results.wave_results import build_results

REGION, AGENCY = uuid.uuid4(), uuid.uuid4()


def place(name, lat=-6.76, lon=108.48):
    return UnitPlace(uuid.uuid4(), name, "Jl. Uji", lat, lon, AGENCY, "DPMPTSP", REGION, "Kabupaten Cirebon", "32.09")


def results_with(totals_by_place):
    wave = Wave(
        id=uuid.uuid4(),
        name="Penilaian Kepatuhan 2021",
        profile_key="ombudsman-2021",
        profile=profile_to_dict(OMBUDSMAN_2021),
        period_start=date(2021, 6, 1),
        period_end=date(2021, 9, 30),
    )
    scores = [ApprovedScore(uuid.uuid4(), p.unit_id, total, {"A": total}) for p, total in totals_by_place.items()]
    return build_results(
        wave, OMBUDSMAN_2021, [DimensionInfo("A", Text(id="Sarana"), 1.0)], list(totals_by_place), scores
    )


def test_boundary_scores_keep_their_exact_two_decimals_in_every_format():
    yellow, green = place("Unit Kuning"), place("Unit Hijau", lat=None, lon=None)
    results = results_with({yellow: Decimal("80.99"), green: Decimal("81.00")})

    rows = {row["name"]: row for row in csv.DictReader(io.StringIO(results_csv(results).decode()))}
    sheet = load_workbook(io.BytesIO(results_xlsx(results)))["Unit Layanan"]
    header, *values = list(sheet.iter_rows(values_only=True))
    cells = {row[header.index("name")]: row[header.index("score")] for row in values}
    [feature] = json.loads(results_geojson(results))["features"]

    assert (rows["Unit Kuning"]["score"], rows["Unit Kuning"]["zone"]) == ("80.99", "yellow")
    assert (rows["Unit Hijau"]["score"], rows["Unit Hijau"]["zone"]) == ("81.00", "green")
    assert rows["DPMPTSP"]["score"] == "81.00"  # (80.99 + 81.00) / 2 = 80.995, rounded half-up
    assert cells == {"Unit Kuning": 80.99, "Unit Hijau": 81.0}
    assert feature["properties"]["score"] == "80.99" and feature["properties"]["zone"] == "yellow"


def test_a_name_that_looks_like_a_formula_is_defused_in_the_csv():
    results = results_with({place("@SUM(A1:A9)"): Decimal("50")})

    rows = list(csv.DictReader(io.StringIO(results_csv(results).decode())))

    assert rows[0]["name"] == "'@SUM(A1:A9)"
