"""HTTP for results: a wave's results (JSON, CSV, XLSX, GeoJSON) for reviewers, publishing, and the public view.

Every score is a decimal string with exactly 2 decimals ("80.99", 0–100), the IPP ``index`` too ("4.05", 0–5);
null where nothing approved is behind it yet. ``zone`` is green|yellow|red (null for ``panrb-ipp``), ``zone_name``
its Indonesian name. Reviewers' results name the visits behind each score; the public ones name none.
"""

from __future__ import annotations

import re
import uuid

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.results.exports import results_csv, results_geojson, results_xlsx
from server.domain.results.schemas import (
    AgencyResultOut,
    ClassifiedShaper,
    PlaceRef,
    PublicAgencyOut,
    PublicationOut,
    PublicRegionOut,
    PublicResultsOut,
    PublicUnitOut,
    PublicWaveOut,
    RegionResultOut,
    ResultDimension,
    ResultsOut,
    ResultsWave,
    UnitResultOut,
    dimension_texts,
)
from server.domain.results.services import Publication, ResultsService
from server.domain.results.values import AgencyResult, RegionResult, Result, UnitResult, WaveRecord, WaveResults
from server.lib.auth import Principal, admin_only, reviewers

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --- shaping ------------------------------------------------------------------------------------------------------


def _visit_ids(result: Result | None) -> list[str]:
    return list(result.visit_ids) if result else []


def _wave_out(wave: WaveRecord, profile_kind: str) -> ResultsWave:
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
    return [ResultDimension(id=d.id, title=d.title, weight=d.weight) for d in results.dimensions]


def _dimensions(result: Result | None) -> dict[str, str | None]:
    return {} if result is None else dimension_texts(result.dimensions)


def _unit_out(unit: UnitResult, shape: ClassifiedShaper) -> UnitResultOut:
    c = shape.result_fields(unit.result)
    return UnitResultOut(
        id=unit.id,
        name=unit.name,
        address=unit.address,
        lat=unit.lat,
        lon=unit.lon,
        agency=PlaceRef(id=unit.agency_id, name=unit.agency_name),
        region=PlaceRef(id=unit.region_id, name=unit.region_name),
        dimensions=_dimensions(unit.result),
        visit_ids=_visit_ids(unit.result),
        score=c.score,
        zone=c.zone,
        zone_name=c.zone_name,
        grade=c.grade,
        index=c.index,
        label=c.label,
    )


def _agency_out(agency: AgencyResult, shape: ClassifiedShaper) -> AgencyResultOut:
    c = shape.result_fields(agency.result)
    return AgencyResultOut(
        id=agency.id,
        name=agency.name,
        region=PlaceRef(id=agency.region_id, name=agency.region_name),
        unit_ids=list(agency.unit_ids),
        dimensions=_dimensions(agency.result),
        visit_ids=_visit_ids(agency.result),
        score=c.score,
        zone=c.zone,
        zone_name=c.zone_name,
        grade=c.grade,
        index=c.index,
        label=c.label,
    )


def _region_out(region: RegionResult, shape: ClassifiedShaper) -> RegionResultOut:
    c = shape.result_fields(region.result)
    return RegionResultOut(
        id=region.id,
        name=region.name,
        code=region.code,
        agency_ids=list(region.agency_ids),
        dimensions=_dimensions(region.result),
        visit_ids=_visit_ids(region.result),
        score=c.score,
        zone=c.zone,
        zone_name=c.zone_name,
        grade=c.grade,
        index=c.index,
        label=c.label,
    )


def _results_out(results: WaveResults) -> ResultsOut:
    shape = ClassifiedShaper()
    return ResultsOut(
        wave=_wave_out(results.wave, results.profile.kind),
        dimensions=_dimensions_out(results),
        units=[_unit_out(u, shape) for u in results.units],
        agencies=[_agency_out(a, shape) for a in results.agencies],
        regions=[_region_out(r, shape) for r in results.regions],
    )


# The public answers are built field by field from the results, never by removing fields from the reviewers'
# answer, so that evidence added there later cannot leak here by accident.


def _public_unit_out(unit: UnitResult, shape: ClassifiedShaper) -> PublicUnitOut:
    c = shape.result_fields(unit.result)
    return PublicUnitOut(
        id=unit.id,
        name=unit.name,
        lat=unit.lat,
        lon=unit.lon,
        agency=PlaceRef(id=unit.agency_id, name=unit.agency_name),
        region=PlaceRef(id=unit.region_id, name=unit.region_name),
        dimensions=_dimensions(unit.result),
        score=c.score,
        zone=c.zone,
        zone_name=c.zone_name,
        grade=c.grade,
        index=c.index,
        label=c.label,
    )


def _public_agency_out(agency: AgencyResult, shape: ClassifiedShaper) -> PublicAgencyOut:
    c = shape.result_fields(agency.result)
    return PublicAgencyOut(
        id=agency.id,
        name=agency.name,
        region=PlaceRef(id=agency.region_id, name=agency.region_name),
        dimensions=_dimensions(agency.result),
        score=c.score,
        zone=c.zone,
        zone_name=c.zone_name,
        grade=c.grade,
        index=c.index,
        label=c.label,
    )


def _public_region_out(region: RegionResult, shape: ClassifiedShaper) -> PublicRegionOut:
    c = shape.result_fields(region.result)
    return PublicRegionOut(
        id=region.id,
        name=region.name,
        code=region.code,
        dimensions=_dimensions(region.result),
        score=c.score,
        zone=c.zone,
        zone_name=c.zone_name,
        grade=c.grade,
        index=c.index,
        label=c.label,
    )


def _public_results_out(results: WaveResults) -> PublicResultsOut:
    shape = ClassifiedShaper()
    return PublicResultsOut(
        wave=_wave_out(results.wave, results.profile.kind),
        dimensions=_dimensions_out(results),
        units=[_public_unit_out(u, shape) for u in results.units],
        agencies=[_public_agency_out(a, shape) for a in results.agencies],
        regions=[_public_region_out(r, shape) for r in results.regions],
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
    async def results(
        self,
        wave_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
    ) -> ResultsOut:
        return _results_out(await ResultsService(db_session, principal).results(wave_id))

    @get(
        "/results.csv",
        summary="The results as CSV: one row per unit, agency and region (column `level`)",
        media_type="text/csv; charset=utf-8",
    )
    async def results_csv(
        self,
        wave_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
    ) -> Response[bytes]:
        results = await ResultsService(db_session, principal).results(wave_id)
        return _attachment(results_csv(results), "text/csv; charset=utf-8", results, "csv")

    @get("/results.xlsx", summary="The results as a workbook: one sheet per level", media_type=XLSX_MEDIA_TYPE)
    async def results_xlsx(
        self,
        wave_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
    ) -> Response[bytes]:
        results = await ResultsService(db_session, principal).results(wave_id)
        return _attachment(results_xlsx(results), XLSX_MEDIA_TYPE, results, "xlsx")

    @get("/results.geojson", summary="Units as GeoJSON points with score and zone", media_type="application/geo+json")
    async def results_geojson(
        self,
        wave_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
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
        self,
        wave_id: FromPath[uuid.UUID],
        db_session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
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
    async def waves(self, db_session: NamedDependency[AsyncSession]) -> list[PublicWaveOut]:
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
    async def results(
        self, wave_id: FromPath[uuid.UUID], db_session: NamedDependency[AsyncSession]
    ) -> PublicResultsOut:
        return _public_results_out(await ResultsService(db_session).public_results(wave_id))
