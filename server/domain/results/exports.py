"""A wave's results as files: CSV (every level, one row each), XLSX (one sheet per level), GeoJSON (units as points).

Figures are the ones of ``GET /api/waves/{id}/results``: scores rounded half-up to 2 decimals. CSV and GeoJSON carry
them as decimal text ("80.99") so that no reader turns them into 80.98999…; XLSX stores numbers (formatted 0.00) so a
spreadsheet can sort and compute. Every row names the visits its score came from.
"""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from server.domain.results.values import AgencyResult, RegionResult, Result, UnitResult, WaveResults
from server.domain.results.zoning import zone_name_id

LEVELS = ("unit", "agency", "region")
SHEET_TITLES = {"unit": "Unit Layanan", "agency": "Perangkat Daerah", "region": "Wilayah"}
_NUMERIC_COLUMNS = {"score", "index", "lat", "lon"}


def columns(results: WaveResults) -> list[str]:
    dimension_columns = [f"dimension_{d.id}" for d in results.dimensions]
    return [
        "level",
        "id",
        "name",
        "agency_id",
        "agency",
        "region_id",
        "region",
        "lat",
        "lon",
        "score",
        "zone",
        "zone_name",
        "grade",
        "index",
        "label",
        *dimension_columns,
        "visit_count",
        "visit_ids",
    ]


def rows_by_level(results: WaveResults) -> dict[str, list[dict[str, Any]]]:
    """Plain rows (values as Decimal, str, float or None) keyed by ``columns``."""
    dimension_ids = [d.id for d in results.dimensions]
    return {
        "unit": [_unit_row(unit, dimension_ids) for unit in results.units],
        "agency": [_agency_row(agency, dimension_ids) for agency in results.agencies],
        "region": [_region_row(region, dimension_ids) for region in results.regions],
    }


def results_csv(results: WaveResults) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns(results), lineterminator="\r\n")
    writer.writeheader()
    for rows in rows_by_level(results).values():
        for row in rows:
            writer.writerow({key: _csv_safe(_text(value)) for key, value in row.items()})
    return out.getvalue().encode("utf-8")


def results_xlsx(results: WaveResults) -> bytes:
    # only when a workbook is written: it is ~6 MB in every app process otherwise
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    header = [column for column in columns(results) if column != "level"]
    for level, rows in rows_by_level(results).items():
        sheet = workbook.create_sheet(SHEET_TITLES[level])
        sheet.append(header)
        for row in rows:
            sheet.append([_cell(row[column]) for column in header])
            for cell in sheet[sheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # a name such as "=HYPERLINK(…)" stays text, never a formula
        for index, column in enumerate(header, start=1):
            if column in _NUMERIC_COLUMNS - {"lat", "lon"} or column.startswith("dimension_"):
                for cell in sheet[get_column_letter(index)][1:]:
                    cell.number_format = "0.00"
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def results_geojson(results: WaveResults) -> bytes:
    dimension_ids = [d.id for d in results.dimensions]
    features = [
        {
            "type": "Feature",
            "id": str(unit.id),
            "geometry": {"type": "Point", "coordinates": [unit.lon, unit.lat]},
            "properties": {
                key: _text(value) if isinstance(value, Decimal) else value
                for key, value in _unit_row(unit, dimension_ids).items()
                if key not in ("lat", "lon")
            },
        }
        for unit in results.units
        if unit.lat is not None and unit.lon is not None
    ]
    wave = results.wave
    collection = {
        "type": "FeatureCollection",
        "wave": {"id": str(wave.id), "name": wave.name, "profile": results.profile.key},
        "features": features,
    }
    return json.dumps(collection, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --- rows -----------------------------------------------------------------------------------------------------------


def _result_fields(result: Result | None, dimension_ids: list[str]) -> dict[str, Any]:
    dimensions = {f"dimension_{d_id}": result.dimensions.get(d_id) if result else None for d_id in dimension_ids}
    return {
        "score": result.score if result else None,
        "zone": result.zone if result else None,
        "zone_name": zone_name_id(result.zone) if result else None,
        "grade": result.grade if result else None,
        "index": result.index if result else None,
        "label": result.label.id if result else None,
        **dimensions,
        "visit_count": len(result.visit_ids) if result else 0,
        "visit_ids": " ".join(str(v) for v in result.visit_ids) if result else "",
    }


def _unit_row(unit: UnitResult, dimension_ids: list[str]) -> dict[str, Any]:
    return {
        "level": "unit",
        "id": str(unit.id),
        "name": unit.name,
        "agency_id": str(unit.agency_id),
        "agency": unit.agency_name,
        "region_id": str(unit.region_id),
        "region": unit.region_name,
        "lat": unit.lat,
        "lon": unit.lon,
        **_result_fields(unit.result, dimension_ids),
    }


def _agency_row(agency: AgencyResult, dimension_ids: list[str]) -> dict[str, Any]:
    return {
        "level": "agency",
        "id": str(agency.id),
        "name": agency.name,
        "agency_id": None,
        "agency": None,
        "region_id": str(agency.region_id),
        "region": agency.region_name,
        "lat": None,
        "lon": None,
        **_result_fields(agency.result, dimension_ids),
    }


def _region_row(region: RegionResult, dimension_ids: list[str]) -> dict[str, Any]:
    return {
        "level": "region",
        "id": str(region.id),
        "name": region.name,
        "agency_id": None,
        "agency": None,
        "region_id": None,
        "region": None,
        "lat": None,
        "lon": None,
        **_result_fields(region.result, dimension_ids),
    }


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return value


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return value


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(value: Any) -> Any:
    # A spreadsheet opening the CSV would run a name such as "=HYPERLINK(…)" as a formula (CSV injection).
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value
