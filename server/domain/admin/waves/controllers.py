"""The waves routes of the admin API, and the scoring profiles a wave may use. A wave's assignments have their own
routes (``admin.assignments``); publishing is the results context's."""

from __future__ import annotations

import uuid

from litestar import Controller, get, patch, post
from litestar.params import FromPath, JSONBody

from server.domain.admin.schemas import given_fields
from server.domain.admin.waves.schemas import (
    NewWave,
    ProfileOut,
    WaveChanges,
    WaveOut,
    WaveStatusChange,
    profile_out,
    wave_out,
)
from server.domain.admin.waves.services import WaveService
from server.lib.auth import admin_only
from server.lib.http import Caller, DbSession


class WaveController(Controller):
    path = "/api/admin/waves"
    tags = ["admin"]
    guards = [admin_only]

    @post(
        "/",
        summary="Create a wave (in draft) on an instrument version and a scoring profile",
        description="`profile` may carry an edited copy of the profile named by `profile_key`; "
        "`integrity_settings` overrides the defaults it names (unknown names are refused).",
    )
    async def create(self, data: JSONBody[NewWave], db_session: DbSession, principal: Caller) -> WaveOut:
        view = await WaveService(db_session, principal).create_wave(
            name=data.name,
            kind=data.kind,
            instrument_key=data.instrument.key,
            instrument_version=data.instrument.version,
            profile_key=data.profile_key,
            profile=data.profile,
            period_start=data.period.start,
            period_end=data.period.end,
            integrity_settings=data.integrity_settings,
        )
        return wave_out(view)

    @get("/", summary="Every wave, latest period first")
    async def list_waves(self, db_session: DbSession, principal: Caller) -> list[WaveOut]:
        return [wave_out(view) for view in await WaveService(db_session, principal).waves()]

    @get("/{wave_id:uuid}", summary="One wave")
    async def detail(self, wave_id: FromPath[uuid.UUID], db_session: DbSession, principal: Caller) -> WaveOut:
        return wave_out(await WaveService(db_session, principal).wave(wave_id))

    @patch(
        "/{wave_id:uuid}",
        summary="Edit a wave: only the fields sent change",
        description="Name, period and integrity settings while the wave is in draft or fieldwork; instrument "
        "version and scoring profile in draft only. Otherwise 409 `wave.state`. Sending `profile_key` "
        "alone stores that profile's published cut-offs; `profile` carries an edited copy.",
    )
    async def edit(
        self, wave_id: FromPath[uuid.UUID], data: JSONBody[WaveChanges], db_session: DbSession, principal: Caller
    ) -> WaveOut:
        given = given_fields(data)
        period, instrument = given.pop("period", None), given.pop("instrument", None)
        view = await WaveService(db_session, principal).update_wave(
            wave_id,
            **given,
            period=None if period is None else (period.start, period.end),
            instrument=None if instrument is None else (instrument.key, instrument.version),
        )
        return wave_out(view)

    @post(
        "/{wave_id:uuid}/status",
        status_code=200,
        summary="Move a wave forward: draft → fieldwork → review",
        description="Forward one step only; anything else is 409 `wave.state`. Publishing has its own route.",
    )
    async def move(
        self, wave_id: FromPath[uuid.UUID], data: JSONBody[WaveStatusChange], db_session: DbSession, principal: Caller
    ) -> WaveOut:
        return wave_out(await WaveService(db_session, principal).move_wave(wave_id, data.status))


class ProfileController(Controller):
    path = "/api/admin/profiles"
    tags = ["admin"]
    guards = [admin_only]

    @get(
        "/",
        summary="The scoring profiles a wave may use, with their cut-offs",
        description="A wave stores its profile by `key`, or an edited copy of one (`profile` on create or edit).",
    )
    async def list_profiles(self, db_session: DbSession, principal: Caller) -> list[ProfileOut]:
        return [profile_out(profile) for profile in WaveService(db_session, principal).scoring_profiles()]
