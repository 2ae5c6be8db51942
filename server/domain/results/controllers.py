"""HTTP for results: a wave's results (JSON, CSV, XLSX, GeoJSON) for reviewers, publishing, and the public view.

Every score is a decimal string with exactly 2 decimals ("80.99", 0–100), the IPP ``index`` too ("4.05", 0–5);
null where nothing approved is behind it yet. ``zone`` is green|yellow|red (null for ``panrb-ipp``), ``zone_name``
its Indonesian name. Reviewers' results name the visits behind each score; the public ones name none.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec
from litestar import Controller, Response, get, post
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import Wave
from server.domain.instruments.documents import Text
from server.domain.results.exports import results_csv, results_geojson, results_xlsx
from server.domain.results.services import Publication, ResultsService
from server.domain.results.values import Result, WaveResults
from server.domain.results.zoning import zone_name_id
from server.lib.auth import Principal, admin_only, reviewers

IdText = Annotated[str, msgspec.Meta(extra_json_schema={"format": "uuid"})]
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ResultLabel(msgspec.Struct, gc=False):
    id: str
    en: str


class PlaceRef(msgspec.Struct, gc=False):
    id: IdText
    name: str


class ResultsWave(msgspec.Struct, gc=False):
    id: uuid.UUID
    name: str
    kind: str
    status: str
    profile_key: str
    profile_kind: str
    period_start: date
    period_end: date
    published_at: datetime | None


class ResultDimension(msgspec.Struct, gc=False):
    id: str
    title: Text
    weight: float


class UnitResultOut(msgspec.Struct, gc=False):
    id: IdText
    name: str
    address: str
    lat: float | None
    lon: float | None
    agency: PlaceRef
    region: PlaceRef
    score: str | None
    zone: str | None
    zone_name: str | None
    grade: str | None
    index: str | None
    label: ResultLabel | None
    dimensions: dict[str, str | None]
    visit_ids: list[IdText]


class AgencyResultOut(msgspec.Struct, gc=False):
    id: IdText
    name: str
    region: PlaceRef
    unit_ids: list[IdText]
    score: str | None
    zone: str | None
    zone_name: str | None
    grade: str | None
    index: str | None
    label: ResultLabel | None
    dimensions: dict[str, str | None]
    visit_ids: list[IdText]


class RegionResultOut(msgspec.Struct, gc=False):
    id: IdText
    name: str
    code: str
    agency_ids: list[IdText]
    score: str | None
    zone: str | None
    zone_name: str | None
    grade: str | None
    index: str | None
    label: ResultLabel | None
    dimensions: dict[str, str | None]
    visit_ids: list[IdText]


class ResultsOut(msgspec.Struct, gc=False):
    wave: ResultsWave
    dimensions: list[ResultDimension]
    units: list[UnitResultOut]
    agencies: list[AgencyResultOut]
    regions: list[RegionResultOut]


class PublicUnitOut(msgspec.Struct, gc=False):
    id: IdText
    name: str
    lat: float | None
    lon: float | None
    agency: PlaceRef
    region: PlaceRef
    score: str | None
    zone: str | None
    zone_name: str | None
    grade: str | None
    index: str | None
    label: ResultLabel | None
    dimensions: dict[str, str | None]


class PublicAgencyOut(msgspec.Struct, gc=False):
    id: IdText
    name: str
    region: PlaceRef
    score: str | None
    zone: str | None
    zone_name: str | None
    grade: str | None
    index: str | None
    label: ResultLabel | None
    dimensions: dict[str, str | None]


class PublicRegionOut(msgspec.Struct, gc=False):
    id: IdText
    name: str
    code: str
    score: str | None
    zone: str | None
    zone_name: str | None
    grade: str | None
    index: str | None
    label: ResultLabel | None
    dimensions: dict[str, str | None]


class PublicResultsOut(msgspec.Struct, gc=False):
    wave: ResultsWave
    dimensions: list[ResultDimension]
    units: list[PublicUnitOut]
    agencies: list[PublicAgencyOut]
    regions: list[PublicRegionOut]


class PublicWaveOut(msgspec.Struct, gc=False):
    id: uuid.UUID
    name: str
    profile_key: str
    period_start: date
    period_end: date
    published_at: datetime | None


class PublicationOut(msgspec.Struct, gc=False):
    wave: ResultsWave
    unreviewed_visits: int
    """Visits still incomplete or submitted when the wave was frozen; they do not count."""


# --- shaping ------------------------------------------------------------------------------------------------------


def _text(value: object) -> str | None:
    # Every figure here is already quantized to 2 decimals, so str() prints exactly two (and is much cheaper).
    return None if value is None else str(value)


class _Shaper:
    """Turns results into answer structs; one ResultLabel struct per profile label, not one per unit."""

    def __init__(self) -> None:
        self._labels: dict[object, ResultLabel] = {}

    def fields(self, result: Result | None) -> tuple[object, ...]:
        """score, zone, zone_name, grade, index, label, dimensions — in the order of the answer structs."""
        if result is None:
            return None, None, None, None, None, None, {}
        label = self._labels.get(result.label)
        if label is None:
            label = self._labels[result.label] = ResultLabel(result.label.id, result.label.en)
        return (
            str(result.score),
            result.zone,
            zone_name_id(result.zone),
            result.grade,
            _text(result.index),
            label,
            {key: None if value is None else str(value) for key, value in result.dimensions.items()},
        )


def _visit_ids(result: Result | None) -> list[str]:
    return list(result.visit_ids) if result else []


def _wave_out(wave: Wave, profile_kind: str) -> ResultsWave:
    return ResultsWave(
        id=wave.id,
        name=wave.name,
        kind=wave.kind,
        status=wave.status,
        profile_key=wave.profile_key,
        profile_kind=profile_kind,
        period_start=wave.period_start,
        period_end=wave.period_end,
        published_at=wave.published_at,
    )


def _dimensions_out(results: WaveResults) -> list[ResultDimension]:
    return [ResultDimension(d.id, d.title, d.weight) for d in results.dimensions]


def _results_out(results: WaveResults) -> ResultsOut:
    shape = _Shaper()
    return ResultsOut(
        wave=_wave_out(results.wave, results.profile.kind),
        dimensions=_dimensions_out(results),
        units=[
            UnitResultOut(
                u.id,
                u.name,
                u.address,
                u.lat,
                u.lon,
                PlaceRef(u.agency_id, u.agency_name),
                PlaceRef(u.region_id, u.region_name),
                *shape.fields(u.result),
                _visit_ids(u.result),
            )
            for u in results.units
        ],
        agencies=[
            AgencyResultOut(
                a.id,
                a.name,
                PlaceRef(a.region_id, a.region_name),
                list(a.unit_ids),
                *shape.fields(a.result),
                _visit_ids(a.result),
            )
            for a in results.agencies
        ],
        regions=[
            RegionResultOut(r.id, r.name, r.code, list(r.agency_ids), *shape.fields(r.result), _visit_ids(r.result))
            for r in results.regions
        ],
    )


def _public_results_out(results: WaveResults) -> PublicResultsOut:
    # Built field by field from the results, never by removing fields from the reviewers' answer, so that evidence
    # added there later cannot leak here by accident.
    shape = _Shaper()
    return PublicResultsOut(
        wave=_wave_out(results.wave, results.profile.kind),
        dimensions=_dimensions_out(results),
        units=[
            PublicUnitOut(
                u.id,
                u.name,
                u.lat,
                u.lon,
                PlaceRef(u.agency_id, u.agency_name),
                PlaceRef(u.region_id, u.region_name),
                *shape.fields(u.result),
            )
            for u in results.units
        ],
        agencies=[
            PublicAgencyOut(a.id, a.name, PlaceRef(a.region_id, a.region_name), *shape.fields(a.result))
            for a in results.agencies
        ],
        regions=[PublicRegionOut(r.id, r.name, r.code, *shape.fields(r.result)) for r in results.regions],
    )


def _attachment(content: bytes, media_type: str, results: WaveResults, extension: str) -> Response[bytes]:
    slug = re.sub(r"[^a-z0-9]+", "-", results.wave.name.lower()).strip("-")[:60] or "wave"
    return Response(
        content=content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="hasil-{slug}.{extension}"'},
    )


# --- routes -------------------------------------------------------------------------------------------------------


class ResultsController(Controller):
    path = "/api/waves/{wave_id:uuid}"
    tags = ["results"]
    guards = [reviewers]

    @get("/results", summary="Scores and zones of units, agencies and regions, with the visits behind each")
    async def results(self, wave_id: FromPath[uuid.UUID], db_session: AsyncSession, principal: Principal) -> ResultsOut:
        return _results_out(await ResultsService(db_session, principal).results(wave_id))

    @get(
        "/results.csv",
        summary="The results as CSV: one row per unit, agency and region (column `level`)",
        media_type="text/csv; charset=utf-8",
    )
    async def results_csv(
        self, wave_id: FromPath[uuid.UUID], db_session: AsyncSession, principal: Principal
    ) -> Response[bytes]:
        results = await ResultsService(db_session, principal).results(wave_id)
        return _attachment(results_csv(results), "text/csv; charset=utf-8", results, "csv")

    @get("/results.xlsx", summary="The results as a workbook: one sheet per level", media_type=XLSX_MEDIA_TYPE)
    async def results_xlsx(
        self, wave_id: FromPath[uuid.UUID], db_session: AsyncSession, principal: Principal
    ) -> Response[bytes]:
        results = await ResultsService(db_session, principal).results(wave_id)
        return _attachment(results_xlsx(results), XLSX_MEDIA_TYPE, results, "xlsx")

    @get("/results.geojson", summary="Units as GeoJSON points with score and zone", media_type="application/geo+json")
    async def results_geojson(
        self, wave_id: FromPath[uuid.UUID], db_session: AsyncSession, principal: Principal
    ) -> Response[bytes]:
        results = await ResultsService(db_session, principal).results(wave_id)
        return _attachment(results_geojson(results), "application/geo+json", results, "geojson")


class PublishController(Controller):
    path = "/api/admin/waves"
    tags = ["admin", "results"]
    guards = [admin_only]

    @post(
        "/{wave_id:uuid}/publish",
        status_code=200,
        summary="Publish a wave under review: freezes its reviews and visits and makes its results public",
    )
    async def publish(
        self, wave_id: FromPath[uuid.UUID], db_session: AsyncSession, principal: Principal
    ) -> PublicationOut:
        publication: Publication = await ResultsService(db_session, principal).publish(wave_id)
        return PublicationOut(
            wave=_wave_out(publication.wave, publication.wave.profile.get("kind", "")),
            unreviewed_visits=publication.unreviewed_visits,
        )


class PublicResultsController(Controller):
    path = "/api/public/waves"
    tags = ["public"]
    security = [{}]  # no login

    @get("/", summary="Published waves")
    async def waves(self, db_session: AsyncSession) -> list[PublicWaveOut]:
        waves = await ResultsService(db_session).published_waves()
        return [
            PublicWaveOut(
                id=w.id,
                name=w.name,
                profile_key=w.profile_key,
                period_start=w.period_start,
                period_end=w.period_end,
                published_at=w.published_at,
            )
            for w in waves
        ]

    @get("/{wave_id:uuid}/results", summary="Scores and zones of a published wave; no evidence, no names")
    async def results(self, wave_id: FromPath[uuid.UUID], db_session: AsyncSession) -> PublicResultsOut:
        return _public_results_out(await ResultsService(db_session).public_results(wave_id))
