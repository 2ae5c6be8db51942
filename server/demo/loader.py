"""Demo data (README.md, "Try it"): Kabupaten Cirebon and Kota Cirebon, their agencies and units, a user for every
role, a history of past published waves with their photos (``history``) and an open wave in which every demo
surveyor has assignments today and fourteen visits wait for review, clean and flagged (``stories``).

Everything goes through the services, so the demo is audited and checked like real requests, its assignments come
from the same seeded draw an admin would run, and its flags are the server's own findings. Coordinates are plausible
points near the named places (not surveyed positions); passwords are random per install, everything else is the same
on every run (``DEMO_SEEDS``).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.config import Settings
from server.db.models import Instrument, Region, User, seeded_ids
from server.demo.camera import DEFAULT_PHONE, Camera
from server.demo.darkroom import Darkroom
from server.demo.history import DemoPlace, load_history
from server.demo.stories import STORIES, Assigned, Teller
from server.domain.admin.assignments.services import AssignmentBatch, DrawOrder, WaveAssignmentService
from server.domain.admin.places.services import PlaceService
from server.domain.admin.users.services import UserService
from server.domain.admin.waves.services import WaveService
from server.domain.instruments.defaults import load_default_instrument
from server.domain.instruments.documents import Instrument as InstrumentDocument
from server.domain.instruments.services import InstrumentService
from server.domain.photos.decoders import PhotoDecoders
from server.domain.photos.render_service import PhotoRenderer
from server.lib import clock
from server.lib.auth import Principal
from server.lib.storage import LocalPhotoStore, photo_store_from_url

WIB = ZoneInfo("Asia/Jakarta")
WAVE_NAME = "Penilaian Kepatuhan 2021"
DRAW_SEED = 2021
DEMO_SEED = 2026
"""the ids of everything the demo creates"""
# The demo's surveyors sync at the office once a week; the default 72 h would flag Friday's visits by Monday.
OPEN_WAVE_INTEGRITY = {"late_sync_after_s": 7 * 24 * 3600}

OFFICE_HOURS = "Mo-Th 08:00-15:30; Fr 08:00-11:00"
PUSKESMAS_HOURS = "Mo-Th 07:30-14:00; Fr 07:30-11:00; Sa 07:30-12:00"
OUTPATIENT_HOURS = "Mo-Sa 07:00-14:00"
MPP_HOURS = "Mo-Fr 08:00-15:00"

# region: (code, name, {agency: [(unit, address, lat, lon, geofence_m, opening hours)]})
REGIONS = [
    (
        "32.09",
        "Kabupaten Cirebon",
        {
            "DPMPTSP": [
                (
                    "Mal Pelayanan Publik Kabupaten Cirebon",
                    "Jl. Sunan Drajat No. 15, Sumber",
                    -6.75880,
                    108.47970,
                    100,
                    MPP_HOURS,
                ),
                ("Loket Perizinan DPMPTSP", "Jl. Sunan Kalijaga No. 9, Sumber", -6.75690, 108.48390, 80, OFFICE_HOURS),
            ],
            "Disdukcapil": [
                (
                    "Kantor Disdukcapil Kabupaten Cirebon",
                    "Jl. Sunan Kalijaga No. 7, Sumber",
                    -6.75750,
                    108.48530,
                    80,
                    OFFICE_HOURS,
                ),
                (
                    "UPT Disdukcapil Wilayah Timur",
                    "Jl. Raya Lemahabang No. 21, Lemahabang",
                    -6.82560,
                    108.62790,
                    80,
                    OFFICE_HOURS,
                ),
            ],
            "Dinas Kesehatan": [
                ("Puskesmas Sumber", "Jl. Dewi Sartika No. 2, Sumber", -6.76170, 108.47720, 100, PUSKESMAS_HOURS),
                ("Puskesmas Plered", "Jl. Raya Plered No. 10, Weru", -6.70730, 108.50630, 100, PUSKESMAS_HOURS),
                (
                    "Puskesmas Palimanan",
                    "Jl. Raya Palimanan No. 45, Palimanan",
                    -6.70700,
                    108.42300,
                    100,
                    PUSKESMAS_HOURS,
                ),
                ("Puskesmas Weru", "Jl. Nyi Ageng Tegalgubug, Weru", -6.71850, 108.50460, 100, PUSKESMAS_HOURS),
                ("Puskesmas Kedawung", "Jl. Tuparev No. 118, Kedawung", -6.73200, 108.54200, 100, PUSKESMAS_HOURS),
                (
                    "Puskesmas Watubelah",
                    "Jl. Pangeran Cakrabuana, Watubelah, Sumber",
                    -6.74410,
                    108.49520,
                    100,
                    PUSKESMAS_HOURS,
                ),
            ],
            "RSUD Waled": [
                (
                    "Instalasi Rawat Jalan RSUD Waled",
                    "Jl. Prabu Kiansantang No. 4, Waled",
                    -6.91260,
                    108.72750,
                    150,
                    OUTPATIENT_HOURS,
                ),
            ],
            "RSUD Arjawinangun": [
                (
                    "Instalasi Rawat Jalan RSUD Arjawinangun",
                    "Jl. By Pass Palimanan–Jakarta No. 1, Arjawinangun",
                    -6.64600,
                    108.40800,
                    150,
                    OUTPATIENT_HOURS,
                ),
            ],
            "Samsat Sumber (Bapenda Jawa Barat)": [
                (
                    "Kantor Bersama Samsat Sumber",
                    "Jl. Sunan Kalijaga No. 1, Sumber",
                    -6.76390,
                    108.48060,
                    100,
                    "Mo-Th 08:00-15:00; Fr 08:00-11:00; Sa 08:00-12:00",
                ),
            ],
            "Dinas Sosial": [
                (
                    "Layanan Terpadu Dinas Sosial",
                    "Jl. Sunan Muria No. 3, Sumber",
                    -6.75980,
                    108.48810,
                    80,
                    OFFICE_HOURS,
                ),
            ],
            "Dinas Tenaga Kerja": [
                (
                    "Layanan Kartu Pencari Kerja",
                    "Jl. Sunan Bonang No. 4, Sumber",
                    -6.75520,
                    108.48120,
                    80,
                    OFFICE_HOURS,
                ),
            ],
            "Kecamatan Sumber": [
                ("Kantor Kecamatan Sumber (PATEN)", "Jl. Pramuka No. 1, Sumber", -6.76530, 108.48300, 80, OFFICE_HOURS),
            ],
            "Kecamatan Weru": [
                ("Kantor Kecamatan Weru (PATEN)", "Jl. Raya Weru No. 5, Weru", -6.71460, 108.50080, 80, OFFICE_HOURS),
            ],
            "Kecamatan Plumbon": [
                (
                    "Kantor Kecamatan Plumbon (PATEN)",
                    "Jl. Raya Plumbon No. 12, Plumbon",
                    -6.70240,
                    108.47380,
                    80,
                    OFFICE_HOURS,
                ),
            ],
            "Kecamatan Talun": [
                (
                    "Kantor Kecamatan Talun (PATEN)",
                    "Jl. Raya Talun No. 8, Talun",
                    -6.76830,
                    108.51210,
                    80,
                    OFFICE_HOURS,
                ),
            ],
            "Kecamatan Palimanan": [
                (
                    "Kantor Kecamatan Palimanan (PATEN)",
                    "Jl. Raya Palimanan No. 2, Palimanan",
                    -6.70420,
                    108.42640,
                    80,
                    OFFICE_HOURS,
                ),
            ],
        },
    ),
    (
        "32.74",
        "Kota Cirebon",
        {
            "DPMPTSP Kota Cirebon": [
                (
                    "Mal Pelayanan Publik Kota Cirebon",
                    "Jl. Dr. Sudarsono No. 1, Kesambi",
                    -6.71710,
                    108.54830,
                    100,
                    MPP_HOURS,
                ),
            ],
            "Disdukcapil Kota Cirebon": [
                (
                    "Kantor Disdukcapil Kota Cirebon",
                    "Jl. Brigjen Dharsono No. 1, Kedawung",
                    -6.72140,
                    108.54190,
                    80,
                    OFFICE_HOURS,
                ),
            ],
            "RSD Gunung Jati": [
                (
                    "Instalasi Rawat Jalan RSD Gunung Jati",
                    "Jl. Kesambi No. 56, Kesambi",
                    -6.71970,
                    108.55200,
                    150,
                    OUTPATIENT_HOURS,
                ),
            ],
            "Dinas Kesehatan Kota Cirebon": [
                ("Puskesmas Kesambi", "Jl. Kesambi Dalam No. 3, Kesambi", -6.71520, 108.55430, 100, PUSKESMAS_HOURS),
            ],
            "Kecamatan Kejaksan": [
                (
                    "Kantor Kecamatan Kejaksan (PATEN)",
                    "Jl. Kartini No. 17, Kejaksan",
                    -6.70800,
                    108.55600,
                    80,
                    OFFICE_HOURS,
                ),
            ],
        },
    ),
]

# Agency kinds, for the rankings' filter; an agency not named here is a "Dinas".
AGENCY_KINDS = {
    "RSUD Waled": "Rumah Sakit",
    "RSUD Arjawinangun": "Rumah Sakit",
    "RSD Gunung Jati": "Rumah Sakit",
    "Samsat Sumber (Bapenda Jawa Barat)": "Kantor Bersama",
    **{
        name: "Kecamatan"
        for name in (
            "Kecamatan Sumber",
            "Kecamatan Weru",
            "Kecamatan Plumbon",
            "Kecamatan Talun",
            "Kecamatan Palimanan",
            "Kecamatan Kejaksan",
        )
    },
}

# username: (display name, role, region codes covered)
USERS = {
    "admin": ("Admin Sidak", "admin", []),
    "supervisor1": ("Siti Rahmawati", "supervisor", ["32.09"]),
    "supervisor2": ("Agus Setiawan", "supervisor", ["32.74"]),
    "surveyor1": ("Dewi Lestari", "surveyor", []),
    "surveyor2": ("Budi Santoso", "surveyor", []),
    "surveyor3": ("Rina Wulandari", "surveyor", []),
    "surveyor4": ("Eko Prasetyo", "surveyor", []),
}
# Each surveyor's phone, as its photos' EXIF names it.
PHONES = {
    "surveyor1": ("samsung", "SM-A125F"),
    "surveyor2": ("OPPO", "CPH2185"),
    "surveyor3": ("Xiaomi", "Redmi 9A"),
    "surveyor4": ("vivo", "vivo 1904"),
}
# A declared conflict of interest, to show that the draw respects it.
CONFLICTS = {"surveyor3": ("RSUD Waled", "Kakak kandung bekerja di RSUD Waled.")}


class DatabaseNotEmpty(Exception):
    """The demo only fills an empty database: it must never mix with real data."""


@dataclass
class _People:
    passwords: dict[str, str]
    principals: dict[str, Principal] = field(default_factory=dict)
    supervisor_of_region: dict[str, Principal] = field(default_factory=dict)

    def surveyor_ids(self) -> list[uuid.UUID]:
        return [p.id for p in self.principals.values() if p.role == "surveyor"]

    def phones(self) -> dict[uuid.UUID, tuple[str, str]]:
        return {p.id: PHONES.get(name, DEFAULT_PHONE) for name, p in self.principals.items() if p.role == "surveyor"}


async def load_demo(session_factory: async_sessionmaker[AsyncSession], settings: Settings) -> dict[str, str]:
    """Fill an empty database (and its photo store) with the demo; returns ``{username: password}``.

    The places, users, past waves and the open wave's draw are one transaction; then each visit of the open wave,
    each of its photos and each review is a request of its own, as from a phone or the console."""
    store = photo_store_from_url(settings.photo_store_url, settings.data_dir)
    if isinstance(store, LocalPhotoStore):
        store.durable = False  # the darkroom flushes every file once at the end
    decoders = PhotoDecoders(settings.photo_decoders)
    darkroom = Darkroom(settings, store, decoders)
    camera = Camera()
    try:
        with seeded_ids(DEMO_SEED):
            async with session_factory() as session:
                people, instrument, assigned = await _load_places_and_history(session, camera, darkroom)
                await session.commit()
            teller = Teller(
                session_factory, settings, store, decoders, instrument, camera, clock.now().astimezone(WIB).date()
            )
            for story in STORIES:
                await teller.tell(story, assigned[story.unit])
        # One photo at a time, in the order they arrived: which of two look-alikes carries ``photo.reused`` is then
        # always the same, and the demo's dump with it.
        await PhotoRenderer(session_factory, replace(settings, photo_render_batch=1), store, decoders).drain()
        await darkroom.flush()
    finally:
        decoders.close()
    return people.passwords


async def _load_places_and_history(
    session: AsyncSession, camera: Camera, darkroom: Darkroom
) -> tuple[_People, InstrumentDocument, dict[str, Assigned]]:
    for table in (User, Region, Instrument):
        if await session.scalar(select(exists().select_from(table))):
            raise DatabaseNotEmpty("the database already holds data")
    people = _People({username: secrets.token_urlsafe(9) for username in USERS})
    admin_name, _, _ = USERS["admin"]
    admin = await UserService(session, None).create_user(
        username="admin", display_name=admin_name, role="admin", password=people.passwords["admin"]
    )
    actor = Principal(id=admin.user.id, username="admin", role="admin")
    region_ids, agency_ids, units_by_region = await _create_places(PlaceService(session, actor))
    await _create_users(UserService(session, actor), people, region_ids, agency_ids)

    document = load_default_instrument()
    instrument, _ = await InstrumentService(session, actor).store(document, source="json")
    phones = people.phones()
    demo_places = [
        DemoPlace(unit_id, name, lat, lon, people.supervisor_of_region[code].id, phones)
        for code, units in units_by_region.items()
        for unit_id, name, lat, lon in units
    ]
    await load_history(session, actor, instrument, document, demo_places, people.surveyor_ids(), camera, darkroom)
    batch = await _open_wave(session, actor, instrument.key, instrument.version, people.surveyor_ids())
    return people, document, _assigned(batch, people, demo_places, units_by_region)


def _assigned(
    batch: AssignmentBatch,
    people: _People,
    places: list[DemoPlace],
    units_by_region: dict[str, list[tuple[uuid.UUID, str, float, float]]],
) -> dict[str, Assigned]:
    """unit name → what the open wave's draw gave it, as the stories need it."""
    by_id = {p.id: p for p in people.principals.values()}
    code_of_unit = {unit[0]: code for code, units in units_by_region.items() for unit in units}
    place_of_unit = {place.unit_id: place for place in places}
    assigned = {}
    for view in batch.assignments:
        place, code = place_of_unit[view.unit.unit.id], code_of_unit[view.unit.unit.id]
        assert view.id is not None  # a stored draw, not a dry run
        assigned[place.name] = Assigned(
            assignment_id=view.id,
            surveyor=by_id[view.surveyor.id],
            reviewer=people.supervisor_of_region[code],
            lat=place.lat,
            lon=place.lon,
            place_seed=place.seed,
            phone=place.phones[view.surveyor.id],
        )
    return assigned


async def _create_users(
    users: UserService, people: _People, region_ids: dict[str, uuid.UUID], agency_ids: dict[str, uuid.UUID]
) -> None:
    for username, (display_name, role, codes) in USERS.items():
        if username == "admin":
            continue
        user = await users.create_user(
            username=username,
            display_name=display_name,
            role=role,
            password=people.passwords[username],
            region_ids=[region_ids[c] for c in codes],
        )
        principal = Principal(id=user.user.id, username=username, role=role)
        people.principals[username] = principal
        for code in codes:
            people.supervisor_of_region[code] = principal
        if username in CONFLICTS:
            agency_name, note = CONFLICTS[username]
            await users.add_conflict(user.user.id, unit_id=None, agency_id=agency_ids[agency_name], note=note)


async def _create_places(
    places: PlaceService,
) -> tuple[dict[str, uuid.UUID], dict[str, uuid.UUID], dict[str, list[tuple[uuid.UUID, str, float, float]]]]:
    """The demo's regions, agencies and units; their ids (regions by code, agencies by name) and each region's
    units as ``(id, name, lat, lon)``."""
    region_ids, agency_ids = {}, {}
    units_by_region: dict[str, list[tuple[uuid.UUID, str, float, float]]] = {}
    for code, region_name, agencies in REGIONS:
        region = await places.create_region(code=code, name=region_name)
        region_ids[code] = region.id
        for agency_name, units in agencies.items():
            agency = await places.create_agency(
                region_id=region.id, name=agency_name, kind=AGENCY_KINDS.get(agency_name, "Dinas")
            )
            agency_ids[agency_name] = agency.agency.id
            for name, address, lat, lon, geofence_m, hours in units:
                unit = await places.create_unit(
                    agency_id=agency.agency.id,
                    name=name,
                    address=address,
                    lat=lat,
                    lon=lon,
                    geofence_m=geofence_m,
                    opening_hours=hours,
                )
                units_by_region.setdefault(code, []).append((unit.unit.id, name, lat, lon))
    return region_ids, agency_ids, units_by_region


async def _open_wave(
    session: AsyncSession, actor: Principal, instrument_key: str, instrument_version: str, surveyor_ids: list[uuid.UUID]
) -> AssignmentBatch:
    today = clock.now().astimezone(WIB).date()
    period_start, period_end = today - timedelta(days=14), today + timedelta(days=45)
    waves = WaveService(session, actor)
    wave = await waves.create_wave(
        name=WAVE_NAME,
        kind="external",
        instrument_key=instrument_key,
        instrument_version=instrument_version,
        profile_key="ombudsman-2021",
        profile=None,
        period_start=period_start,
        period_end=period_end,
        integrity_settings=OPEN_WAVE_INTEGRITY,
    )
    await waves.move_wave(wave.wave.id, "fieldwork")
    return await WaveAssignmentService(session, actor).draw(
        wave.wave.id,
        DrawOrder(
            seed=DRAW_SEED,
            surveyor_ids=surveyor_ids,
            window_start=datetime.combine(period_start, time(0, 0), WIB),
            window_end=datetime.combine(period_end + timedelta(days=1), time(0, 0), WIB),
        ),
    )
