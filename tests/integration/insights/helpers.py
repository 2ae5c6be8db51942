"""A small history whose every figure can be worked out by hand: four units in two regions, four waves.

The checklist has two dimensions of equal weight (50 each):
  A "Sarana": A1 yes/no (weight 1, photo required), A2 yes/no (weight 1)
  B "Proses": B1 yes/no (weight 2, photo required), B2 scale 0–3 (weight 1)
so total = (A + B) / 2 with A = 100·(a1 + a2)/2 and B = 100·(2·b1 + b2/3)/3. The answer sets below carry their totals
worked out that way, by hand:
  FULL       everything met                         A 100, B 100              → 100.00 green
  B2_TWO     B2 = 2                                 A 100, B 100·(8/3)/3      →  94.44 green (94.444…)
  NO_A1      A1 not met                             A 50,  B 100              →  75.00 yellow
  NO_B1      B1 not met                             A 100, B 100/3            →  66.67 yellow (66.666…)
  NO_A       A1 and A2 not met                      A 0,   B 100              →  50.00 red
  NOTHING    nothing met, B2 = 0                                              →   0.00 red

The world (``a_history``), region → agency (kind) → unit:
  Kabupaten Uji → Dinas Uji (Dinas) → U1, U2;  Kecamatan Uji (Kecamatan) → U3
  Kota Uji      → Dinas Kota (Dinas) → U4
Waves in period order, with each unit's answers:
            W1 external 2019  W2 internal 2020  W3 external 2020  W4 external now (fieldwork, not published)
  U1        NO_B1  66.67      FULL  100.00      NO_A1  75.00      FULL 100.00
  U2        NO_B1  66.67      FULL  100.00      NO_A1  75.00      —
  U3        NOTHING 0.00      FULL  100.00      NO_A   50.00      —
  U4        FULL  100.00      B2_TWO 94.44      B2_TWO 94.44      —
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from server.db.models import Agency, Instrument, Region, Unit, User, Wave
from server.domain.results.profiles import PROFILES, profile_to_dict
from server.lib import clock
from tests.factories import Factory
from tests.integration.review.factories import a_submitted_visit

FULL = {"A1": True, "A2": True, "B1": True, "B2": 3}
B2_TWO = {**FULL, "B2": 2}
NO_A1 = {**FULL, "A1": False}
NO_B1 = {**FULL, "B1": False}
NO_A = {**FULL, "A1": False, "A2": False}
NOTHING = {"A1": False, "A2": False, "B1": False, "B2": 0}


def small_instrument(key: str = "uji-kecil") -> dict[str, Any]:
    def yes_no(indicator_id: str, weight: float, photo: str) -> dict[str, Any]:
        return {
            "id": indicator_id,
            "text": {"id": f"Indikator {indicator_id}", "en": f"Indicator {indicator_id}"},
            "guidance": {"id": f"Panduan {indicator_id}", "en": f"Guidance {indicator_id}"},
            "type": "yes_no",
            "weight": weight,
            "photo": photo,
        }

    return {
        "key": key,
        "version": "1",
        "title": {"id": "Daftar uji kecil", "en": "Small test checklist"},
        "dimensions": [
            {
                "id": "A",
                "title": {"id": "Sarana", "en": "Facilities"},
                "weight": 50,
                "indicators": [yes_no("A1", 1, "required"), yes_no("A2", 1, "none")],
            },
            {
                "id": "B",
                "title": {"id": "Proses", "en": "Process"},
                "weight": 50,
                "indicators": [
                    yes_no("B1", 2, "required"),
                    {
                        "id": "B2",
                        "text": {"id": "Indikator B2", "en": "Indicator B2"},
                        "type": "scale_0_3",
                        "weight": 1,
                        "photo": "none",
                    },
                ],
            },
        ],
    }


async def a_wave(
    make: Factory,
    instrument: Instrument,
    *,
    name: str,
    kind: str,
    start: date,
    status: str = "review",
    profile_key: str = "ombudsman-2021",
) -> Wave:
    wave = Wave(
        name=name,
        kind=kind,
        instrument_id=instrument.id,
        profile_key=profile_key,
        profile=profile_to_dict(PROFILES[profile_key]),
        integrity_settings={},
        period_start=start,
        period_end=start + timedelta(days=60),
        status=status,
        created_at=clock.now(),
    )
    async with make.app.state.session_factory() as session, session.begin():
        session.add(wave)
    return wave


async def an_approved_visit(
    client,
    make: Factory,
    wave: Wave,
    unit: Unit,
    surveyor: User,
    reviewer: User,
    answers: dict[str, Any],
    *,
    day: int = 10,
    comments: dict[str, str] | None = None,
):
    """A visit made ``day`` days into the wave's period, approved through the API (which scores it)."""
    assignment = await make.assignment(wave=wave, unit=unit, surveyor=surveyor)
    finished_at = datetime.combine(wave.period_start + timedelta(days=day), time(3, 0), UTC)
    visit = await a_submitted_visit(make, assignment, answers=answers, finished_at=finished_at)
    response = await client.post(
        f"/api/review/visits/{visit.id}/decision",
        headers=make.headers(reviewer),
        json={
            "decision": "approve",
            "revision": visit.revision,
            "comment": "Disetujui.",
            "indicator_comments": [{"indicator": k, "text": v} for k, v in (comments or {}).items()],
        },
    )
    assert response.status_code == 200, response.text
    return visit


async def publish(client, make: Factory, admin: User, wave: Wave) -> None:
    response = await client.post(f"/api/admin/waves/{wave.id}/publish", headers=make.headers(admin))
    assert response.status_code == 200, response.text


@dataclass
class History:
    admin: User
    surveyor: User
    supervisor: User
    """covers Kabupaten Uji"""
    other_supervisor: User
    """covers Kota Uji"""
    region: Region
    other_region: Region
    dinas: Agency
    kecamatan: Agency
    dinas_kota: Agency
    u1: Unit
    u2: Unit
    u3: Unit
    u4: Unit
    instrument: Instrument
    w1: Wave
    w2: Wave
    w3: Wave
    w4: Wave
    visits: dict[tuple[str, str], Any]
    """(wave name, unit name) → the approved visit"""


async def a_history(client, make: Factory) -> History:
    region = await make.region(name="Kabupaten Uji")
    other_region = await make.region(name="Kota Uji", kind="city")
    dinas = await make.agency(region=region, name="Dinas Uji")
    kecamatan = await make.agency(region=region, name="Kecamatan Uji")
    dinas_kota = await make.agency(region=other_region, name="Dinas Kota")
    async with make.app.state.session_factory() as session, session.begin():
        for agency, kind in ((dinas, "Dinas"), (kecamatan, "Kecamatan"), (dinas_kota, "Dinas")):
            (await session.get(Agency, agency.id)).kind = kind
            agency.kind = kind
    u1, u2 = await make.unit(agency=dinas, name="U1"), await make.unit(agency=dinas, name="U2")
    u3 = await make.unit(agency=kecamatan, name="U3")
    u4 = await make.unit(agency=dinas_kota, name="U4", lat=-6.7063, lon=108.5571)
    instrument = await make.instrument(small_instrument())
    admin = await make.user(role="admin")
    history = History(
        admin=admin,
        surveyor=await make.user(role="surveyor"),
        supervisor=await make.user(role="supervisor", regions=[region]),
        other_supervisor=await make.user(role="supervisor", regions=[other_region]),
        region=region,
        other_region=other_region,
        dinas=dinas,
        kecamatan=kecamatan,
        dinas_kota=dinas_kota,
        u1=u1,
        u2=u2,
        u3=u3,
        u4=u4,
        instrument=instrument,
        w1=await a_wave(make, instrument, name="W1", kind="external", start=date(2019, 7, 1)),
        w2=await a_wave(make, instrument, name="W2", kind="internal", start=date(2020, 3, 1)),
        w3=await a_wave(make, instrument, name="W3", kind="external", start=date(2020, 7, 1)),
        w4=await a_wave(
            make,
            instrument,
            name="W4",
            kind="external",
            start=clock.now().date() - timedelta(days=20),
            status="fieldwork",
        ),
        visits={},
    )
    plan = {
        history.w1: {u1: NO_B1, u2: NO_B1, u3: NOTHING, u4: FULL},
        history.w2: {u1: FULL, u2: FULL, u3: FULL, u4: B2_TWO},
        history.w3: {u1: NO_A1, u2: NO_A1, u3: NO_A, u4: B2_TWO},
        history.w4: {u1: FULL},
    }
    for wave, answers_by_unit in plan.items():
        for unit, answers in answers_by_unit.items():
            history.visits[(wave.name, unit.name)] = await an_approved_visit(
                client, make, wave, unit, history.surveyor, admin, answers
            )
    for wave in (history.w1, history.w2, history.w3):
        await publish(client, make, admin, wave)
    return history


async def get_json(client, make: Factory, user: User | None, url: str, **params: Any) -> Any:
    headers = make.headers(user) if user is not None else {}
    response = await client.get(url, headers=headers, params={k: str(v) for k, v in params.items()})
    assert response.status_code == 200, response.text
    return response.json()
