"""Small factories that read like the domain: ``await make.unit(lat=-6.76, lon=108.48)``.

They write straight to the database (committed), the way an admin's earlier requests would have left it.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import date, datetime, timedelta
from typing import Any

import msgspec
from litestar import Litestar

from server.db.models import Agency, Assignment, Instrument, Region, SupervisorRegion, Unit, User, Wave
from server.lib import clock
from server.lib.auth import Principal, hash_password, issue_access_token

TEST_PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = hash_password(TEST_PASSWORD)
_counter = itertools.count(1)

SUMBER = (-6.7616, 108.4808)  # Sumber, the seat of Kabupaten Cirebon


def _n() -> int:
    return next(_counter)


class Factory:
    def __init__(self, app: Litestar) -> None:
        self.app = app

    async def _save(self, *rows: Any) -> None:
        async with self.app.state.session_factory() as session, session.begin():
            session.add_all(rows)

    async def region(
        self, *, code: str | None = None, name: str | None = None, kind: str = "regency", timezone: str = "Asia/Jakarta"
    ) -> Region:
        n = _n()
        region = Region(
            code=code or f"32.{n:02d}",
            name=name or f"Kabupaten Uji {n}",
            kind=kind,
            timezone=timezone,
            created_at=clock.now(),
        )
        await self._save(region)
        return region

    async def agency(self, *, region: Region | None = None, name: str | None = None) -> Agency:
        region = region or await self.region()
        agency = Agency(region_id=region.id, name=name or f"Dinas Uji {_n()}", created_at=clock.now())
        await self._save(agency)
        return agency

    async def unit(
        self,
        *,
        agency: Agency | None = None,
        name: str | None = None,
        lat: float | None = SUMBER[0],
        lon: float | None = SUMBER[1],
        geofence_m: int = 100,
        opening_hours: str = "",
    ) -> Unit:
        agency = agency or await self.agency()
        unit = Unit(
            agency_id=agency.id,
            name=name or f"Unit Layanan {_n()}",
            address="Jl. Uji No. 1",
            lat=lat,
            lon=lon,
            geofence_m=geofence_m,
            opening_hours=opening_hours,
            created_at=clock.now(),
        )
        await self._save(unit)
        return unit

    async def user(
        self, *, role: str = "surveyor", username: str | None = None, regions: list[Region] = (), is_active: bool = True
    ) -> User:
        now = clock.now()
        user = User(
            username=username or f"{role}{_n()}",
            display_name=f"Uji {role.title()}",
            role=role,
            password_hash=_PASSWORD_HASH,
            is_active=is_active,
            created_at=now,
            password_changed_at=now,
        )
        await self._save(user)
        if regions:
            await self._save(*(SupervisorRegion(user_id=user.id, region_id=r.id) for r in regions))
        return user

    async def instrument(self, document: Any = None) -> Instrument:
        from server.domain.instruments.defaults import load_default_instrument

        doc = document or load_default_instrument()
        plain = msgspec.to_builtins(doc)
        instrument = Instrument(
            key=plain["key"],
            version=plain["version"],
            title=plain["title"]["id"],
            document=plain,
            content_hash=uuid.uuid4().hex + uuid.uuid4().hex,
            created_at=clock.now(),
        )
        await self._save(instrument)
        return instrument

    async def wave(
        self,
        *,
        instrument: Instrument | None = None,
        profile_key: str = "ombudsman-2021",
        status: str = "fieldwork",
        integrity_settings: dict[str, Any] | None = None,
        name: str | None = None,
    ) -> Wave:
        from server.domain.results.profiles import PROFILES, profile_to_dict

        instrument = instrument or await self.instrument()
        today = clock.now().date()
        wave = Wave(
            name=name or f"Gelombang Uji {_n()}",
            instrument_id=instrument.id,
            profile_key=profile_key,
            profile=profile_to_dict(PROFILES[profile_key]),
            integrity_settings=integrity_settings or {},
            period_start=today - timedelta(days=30),
            period_end=today + timedelta(days=30),
            status=status,
            created_at=clock.now(),
        )
        await self._save(wave)
        return wave

    async def assignment(
        self,
        *,
        wave: Wave | None = None,
        unit: Unit | None = None,
        surveyor: User | None = None,
        window_start: datetime | None = None,
        window_end: datetime | None = None,
    ) -> Assignment:
        wave = wave or await self.wave()
        unit = unit or await self.unit()
        surveyor = surveyor or await self.user(role="surveyor")
        now = clock.now()
        assignment = Assignment(
            wave_id=wave.id,
            unit_id=unit.id,
            surveyor_id=surveyor.id,
            window_start=window_start or now - timedelta(days=7),
            window_end=window_end or now + timedelta(days=7),
            created_at=now,
        )
        await self._save(assignment)
        return assignment

    def headers(self, user: User) -> dict[str, str]:
        """A valid access token for ``user``, minted directly (logging in through the API is tested on its own)."""
        settings = self.app.state.settings
        token, _ = issue_access_token(
            Principal(id=user.id, username=user.username, role=user.role),
            settings.secret_key,
            settings.access_token_ttl_s,
        )
        return {"Authorization": f"Bearer {token}"}


def period(days: int = 30) -> tuple[date, date]:
    today = clock.now().date()
    return today - timedelta(days=days), today + timedelta(days=days)
