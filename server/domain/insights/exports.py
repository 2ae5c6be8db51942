"""Rankings and improvement plans as CSV, with the figures of their JSON answers.

Scores and points are decimal text with 2 decimals ("80.99"), indicator scores 4 ("0.6667"), so that no reader turns
them into 80.98999…. A text that a spreadsheet would run as a formula is prefixed with an apostrophe; a number,
negative ones included ("-3.25"), is left as it is.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from server.domain.insights.rankings import Standing
from server.domain.insights.values import ImprovementPlan, LevelRanking, RankEntry, Rankings
from server.domain.results.scoring import round_score
from server.domain.results.zoning import zone_name_id

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_INDICATOR_PLACES = Decimal("0.0001")

RANKING_COLUMNS = [
    "level",
    "rank",
    "tied",
    "id",
    "name",
    "agency",
    "agency_kind",
    "region",
    "score",
    "zone",
    "zone_name",
    "grade",
    "index",
    "previous_score",
    "change",
]
PLAN_COLUMNS = [
    "unit",
    "wave",
    "visit_id",
    "dimension",
    "dimension_title",
    "indicator",
    "indicator_text",
    "indicator_text_en",
    "answer",
    "indicator_score",
    "points_recoverable",
    "supervisor_comments",
    "guidance",
    "guidance_en",
    "photo_urls",
]


def points_text(value: Decimal | None) -> str | None:
    """A 0–100 figure (score, points, change) as reported: rounded half-up, exactly 2 decimals."""
    return None if value is None else str(round_score(value))


def indicator_score_text(value: Decimal | None) -> str | None:
    """A 0–1 indicator score with 4 decimals, as the review pages show it."""
    return None if value is None else str(value.quantize(_INDICATOR_PLACES, rounding=ROUND_HALF_UP))


def photo_url(photo_id: str, variant: str = "thumb") -> str:
    return f"/api/photos/{photo_id}/{variant}"


def rankings_csv(rankings: Rankings, *, with_visits: bool) -> bytes:
    columns = RANKING_COLUMNS + (["visit_ids"] if with_visits else [])
    rows = [*_level_rows("unit", rankings.units, with_visits), *_level_rows("agency", rankings.agencies, with_visits)]
    return _csv(columns, rows)


def plan_csv(plan: ImprovementPlan) -> bytes:
    rows = []
    if plan.source is not None and plan.plan is not None:
        for dimension in plan.plan.dimensions:
            for item in dimension.items:
                rows.append(
                    {
                        "unit": plan.unit.name,
                        "wave": plan.source.wave.name,
                        "visit_id": str(plan.source.visit.id),
                        "dimension": dimension.dimension.id,
                        "dimension_title": dimension.dimension.title.id,
                        "indicator": item.indicator.id,
                        "indicator_text": item.indicator.text.id,
                        "indicator_text_en": item.indicator.text.en,
                        "answer": item.answer_text.id,
                        "indicator_score": indicator_score_text(item.score),
                        "points_recoverable": points_text(item.points),
                        "supervisor_comments": " | ".join(comment.text for comment in item.comments),
                        "guidance": item.indicator.guidance.id if item.indicator.guidance else None,
                        "guidance_en": item.indicator.guidance.en if item.indicator.guidance else None,
                        "photo_urls": " ".join(photo_url(photo_id, "display") for photo_id in item.photo_ids),
                    }
                )
    return _csv(PLAN_COLUMNS, rows)


def _level_rows(level: str, ranking: LevelRanking, with_visits: bool) -> Iterable[dict[str, Any]]:
    for standing in ranking.ranked:
        yield _ranking_row(level, standing.entry, standing, with_visits)
    for entry in ranking.unscored:
        yield _ranking_row(level, entry, None, with_visits)


def _ranking_row(
    level: str, entry: RankEntry, standing: Standing[RankEntry] | None, with_visits: bool
) -> dict[str, Any]:
    result = entry.result
    row = {
        "level": level,
        "rank": standing.rank if standing else None,
        "tied": ("yes" if standing.tied else "no") if standing else None,
        "id": entry.id,
        "name": entry.name,
        "agency": entry.agency_name,
        "agency_kind": entry.agency_kind,
        "region": entry.region_name,
        "score": points_text(result.score) if result else None,
        "zone": result.zone if result else None,
        "zone_name": zone_name_id(result.zone) if result else None,
        "grade": result.grade if result else None,
        "index": str(result.index) if result and result.index is not None else None,
        "previous_score": points_text(entry.previous.score) if entry.previous else None,
        "change": points_text(entry.change),
    }
    if with_visits:
        row["visit_ids"] = " ".join(result.visit_ids) if result else None
    return row


def _csv(columns: list[str], rows: Iterable[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: _csv_safe(value) for key, value in row.items()})
    return out.getvalue().encode("utf-8")


def _csv_safe(value: Any) -> Any:
    # A spreadsheet opening the CSV would run a name such as "=HYPERLINK(…)" as a formula (CSV injection).
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS) and not _NUMBER.match(value):
        return "'" + value
    return value
