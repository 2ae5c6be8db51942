"""The admin's waves: creating one on an instrument version and a scoring profile, editing it while that is still
allowed, and moving it forward (draft → fieldwork → review; publishing is the results context's)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.db.models import WAVE_KINDS, Instrument, Wave
from server.domain.admin.services import AdminUseCases, clean_name, plain
from server.domain.admin.waves import queries
from server.domain.admin.waves.queries import WaveView
from server.domain.instruments.queries import find_instrument
from server.domain.results.profiles import PROFILES, Profile, profile_for_key, profile_from_dict, profile_to_dict
from server.domain.visits.integrity import IntegritySettings
from server.lib import clock
from server.lib.errors import DuplicateKey, InvalidInput, NotFound, WaveStateConflict

NEXT_WAVE_STATUS = {"draft": "fieldwork", "fieldwork": "review"}
EDITABLE_WAVE_STATUSES = ("draft", "fieldwork")
Changes = dict[str, list[Any]]
"""What an edit changed, for its audit event: ``{attribute: [before, after]}``."""


async def find_wave(session: AsyncSession, wave_id: uuid.UUID, *, for_update: bool = False) -> Wave:
    wave = await session.get(Wave, wave_id, with_for_update=for_update)
    if wave is None:
        raise NotFound(f"There is no wave {wave_id}.")
    return wave


class WaveService(AdminUseCases):
    async def create_wave(
        self,
        *,
        name: str,
        kind: str,
        instrument_key: str,
        instrument_version: str,
        profile_key: str,
        profile: dict[str, Any] | None,
        period_start: date,
        period_end: date,
        integrity_settings: dict[str, Any] | None,
    ) -> WaveView:
        name = clean_name(name, "name")
        if kind not in WAVE_KINDS:
            raise InvalidInput(f"A wave kind is one of {', '.join(WAVE_KINDS)}.", field="kind")
        instrument = await self._instrument(instrument_key, instrument_version)
        stored_profile = _wave_profile(profile_key, profile)
        if period_end < period_start:
            raise InvalidInput("The period ends before it starts.", field="period.end")
        settings = _integrity_settings(integrity_settings)
        if await queries.wave_id_named(self.session, name):
            raise DuplicateKey(f"A wave called {name!r} already exists.", field="name")
        wave = Wave(
            name=name,
            kind=kind,
            instrument_id=instrument.id,
            profile_key=profile_key,
            profile=stored_profile,
            integrity_settings=settings.to_dict(),
            period_start=period_start,
            period_end=period_end,
            status="draft",
            created_at=clock.now(),
        )
        self.session.add(wave)
        await self.session.flush()
        await self.record(
            "wave.created",
            "wave",
            wave.id,
            {
                "name": name,
                "kind": kind,
                "instrument": {"key": instrument.key, "version": instrument.version},
                "profile_key": profile_key,
                "period": [period_start.isoformat(), period_end.isoformat()],
            },
        )
        return WaveView(wave=wave, instrument=instrument, assignment_count=0)

    async def waves(self) -> list[WaveView]:
        return await queries.wave_views(self.session)

    async def wave(self, wave_id: uuid.UUID) -> WaveView:
        view = await queries.wave_view(self.session, wave_id)
        if view is None:
            raise NotFound(f"There is no wave {wave_id}.")
        return view

    async def move_wave(self, wave_id: uuid.UUID, status: str) -> WaveView:
        """Forward one step only: draft → fieldwork → review. Publishing has its own route."""
        wave = await find_wave(self.session, wave_id, for_update=True)
        expected = NEXT_WAVE_STATUS.get(wave.status)
        if status != expected:
            step = f"its next status is {expected}" if expected else "it has no next status here"
            raise WaveStateConflict(f"The wave is in {wave.status}; {step}, not {status}.", status_now=wave.status)
        previous, wave.status = wave.status, status
        await self.session.flush()
        await self.record("wave.status_changed", "wave", wave.id, {"from": previous, "to": status})
        return await self.wave(wave.id)

    async def update_wave(
        self,
        wave_id: uuid.UUID,
        *,
        name: str | None = None,
        period: tuple[date, date] | None = None,
        integrity_settings: dict[str, Any] | None = None,
        instrument: tuple[str, str] | None = None,
        profile_key: str | None = None,
        profile: dict[str, Any] | None = None,
    ) -> WaveView:
        """Change what is given (``None``: leave it). Name, period and integrity settings while the wave is in draft or
        fieldwork; the instrument version and the profile only in draft, before any visit was scored against them."""
        wave = await find_wave(self.session, wave_id, for_update=True)
        draft_only = {"instrument": instrument, "profile_key": profile_key, "profile": profile}
        _refuse_edit_in_status(wave, [field_name for field_name, value in draft_only.items() if value is not None])
        changed: Changes = {}
        if name is not None:
            await self._rename_wave(wave, clean_name(name, "name"), changed)
        if period is not None:
            _set_period(wave, period, changed)
        if integrity_settings is not None:
            _integrity_settings(integrity_settings)  # refuses a bad key or value naming the field as sent
            merged = IntegritySettings.from_dict({**wave.integrity_settings, **integrity_settings}).to_dict()
            _set_changed(wave, "integrity_settings", merged, changed)
        if instrument is not None:
            await self._set_instrument(wave, *instrument, changed)
        if profile_key is not None or profile is not None:
            key = profile_key or wave.profile_key
            _set_changed(wave, "profile", _wave_profile(key, profile), changed)
            _set_changed(wave, "profile_key", key, changed)
        await self.flush_refusing_duplicates(f"A wave called {wave.name!r}", "name")
        if changed:
            await self.record("wave.updated", "wave", wave.id, {"changes": changed})
        return await self.wave(wave.id)

    def scoring_profiles(self) -> list[Profile]:
        """The published profiles a wave may start from (each may be stored as an edited copy)."""
        return list(PROFILES.values())

    async def _instrument(self, key: str, version: str) -> Instrument:
        instrument = await find_instrument(self.session, key, version)
        if instrument is None:
            raise InvalidInput(f"There is no instrument {key} version {version}.", field="instrument")
        return instrument

    async def _rename_wave(self, wave: Wave, name: str, changed: Changes) -> None:
        if await queries.wave_id_named(self.session, name, other_than=wave.id) is not None:
            raise DuplicateKey(f"A wave called {name!r} already exists.", field="name")
        _set_changed(wave, "name", name, changed)

    async def _set_instrument(self, wave: Wave, key: str, version: str, changed: Changes) -> None:
        instrument = await self._instrument(key, version)
        if instrument.id != wave.instrument_id:
            previous = await self.session.get(Instrument, wave.instrument_id)
            changed["instrument"] = [
                {"key": previous.key, "version": previous.version} if previous else None,
                {"key": key, "version": version},
            ]
            wave.instrument_id = instrument.id


def _refuse_edit_in_status(wave: Wave, draft_only: list[str]) -> None:
    """A wave is edited in draft or fieldwork; the fields named in ``draft_only`` in draft alone."""
    if wave.status not in EDITABLE_WAVE_STATUSES:
        raise WaveStateConflict(
            f"The wave is in {wave.status}; it can be edited in draft or fieldwork.", status_now=wave.status
        )
    if draft_only and wave.status != "draft":
        raise WaveStateConflict(
            f"The wave is in {wave.status}; its {draft_only[0]} can change in draft only.",
            field=draft_only[0],
            status_now=wave.status,
        )


def _wave_profile(profile_key: str, profile: dict[str, Any] | None) -> dict[str, Any]:
    """The stored profile: the named one, or an edited copy of it (checked; its key must stay the same)."""
    if profile is None:
        return profile_to_dict(profile_for_key(profile_key))
    edited = profile_from_dict(profile)
    if edited.key != profile_key:
        raise InvalidInput(
            f"The edited profile's key is {edited.key!r}, but the wave names {profile_key!r}.", field="profile.key"
        )
    return profile_to_dict(edited)


def _set_changed(wave: Wave, attribute: str, value: Any, changed: Changes) -> None:
    """Set ``wave.<attribute>`` and note ``[before, after]`` for the audit event when it really changes."""
    before = getattr(wave, attribute)
    if before != value:
        changed[attribute] = [plain(before), plain(value)]
        setattr(wave, attribute, value)


def _set_period(wave: Wave, period: tuple[date, date], changed: Changes) -> None:
    start, end = period
    if end < start:
        raise InvalidInput("The period ends before it starts.", field="period.end")
    if (start, end) != (wave.period_start, wave.period_end):
        changed["period"] = [
            [wave.period_start.isoformat(), wave.period_end.isoformat()],
            [start.isoformat(), end.isoformat()],
        ]
        wave.period_start, wave.period_end = start, end


def _integrity_settings(data: dict[str, Any] | None) -> IntegritySettings:
    try:
        return IntegritySettings.from_dict(data)
    except InvalidInput as error:
        raise InvalidInput(error.detail, field=f"integrity_settings.{error.field}") from error
