from __future__ import annotations

import asyncio

from sqlalchemy import delete, insert, select, text, update

from server.cli import main
from server.db.models import AuditEvent
from server.domain.audit.services import AuditLog, seal_all
from server.domain.audit.verify import verify_stored_chain
from server.lib import clock


async def record_events(app, count):
    async with app.state.session_factory() as session, session.begin():
        for n in range(count):
            await AuditLog(session).record("test.event", entity_type="test", entity_id=n, data={"n": n, "note": "é"})
    await sealed(app)


async def sealed(app):
    await app.state.audit_sealer.idle()
    await seal_all(app.state.session_factory)


async def verify(app):
    async with app.state.session_factory() as session:
        return await verify_stored_chain(session)


async def test_events_are_sealed_into_the_chain_right_after_their_commit(app, client):
    async with app.state.session_factory() as session, session.begin():
        await AuditLog(session).record("test.event", entity_type="test", entity_id=1)

    await app.state.audit_sealer.idle()

    async with app.state.session_factory() as session:
        event = (await session.scalars(select(AuditEvent))).one()
    assert event.seq == 1 and event.prev_hash == "0" * 64 and len(event.hash) == 64


async def test_a_rolled_back_transaction_leaves_no_event(app, client):
    async with app.state.session_factory() as session:
        await AuditLog(session).record("test.event", entity_type="test", entity_id=1)
        await session.rollback()

    await sealed(app)

    async with app.state.session_factory() as session:
        assert (await session.scalars(select(AuditEvent))).all() == []


async def test_events_left_unsealed_by_a_dead_process_are_sealed_by_verify(app, client, settings, monkeypatch, capsys):
    async with app.state.session_factory() as session, session.begin():
        await session.execute(
            insert(AuditEvent).values(at=clock.now(), action="test.orphan", entity_type="test", data={})
        )
    monkeypatch.setenv("SIDAK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SIDAK_DATABASE_URL", settings.database_url)

    assert await asyncio.to_thread(main, ["audit", "verify"]) == 0

    assert "audit chain intact: 1 events" in capsys.readouterr().out


async def test_an_untouched_chain_verifies(app, client):
    await record_events(app, 5)

    report = await verify(app)

    assert report.ok and report.events == 5


async def test_an_edited_event_is_reported_with_its_sequence_number(app, client):
    await record_events(app, 5)
    async with app.state.session_factory() as session, session.begin():
        await session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(data={"n": 99, "note": "é"}))

    report = await verify(app)

    assert not report.ok
    assert report.first_broken_seq == 3
    assert "edited" in report.message


async def test_a_deleted_event_is_reported(app, client):
    await record_events(app, 5)
    async with app.state.session_factory() as session, session.begin():
        await session.execute(delete(AuditEvent).where(AuditEvent.seq == 2))

    report = await verify(app)

    assert not report.ok and report.first_broken_seq == 3


async def test_cutting_off_the_newest_events_is_reported(app, client):
    await record_events(app, 5)
    async with app.state.session_factory() as session, session.begin():
        await session.execute(delete(AuditEvent).where(AuditEvent.seq >= 4))

    report = await verify(app)

    assert not report.ok


async def test_reordered_events_are_reported(app, client):
    await record_events(app, 4)
    async with app.state.session_factory() as session, session.begin():
        # swap the sequence numbers of events 2 and 3 (through a free number, to respect the primary key)
        await session.execute(text("UPDATE audit_events SET seq = 100 WHERE seq = 2"))
        await session.execute(text("UPDATE audit_events SET seq = 2 WHERE seq = 3"))
        await session.execute(text("UPDATE audit_events SET seq = 3 WHERE seq = 100"))

    report = await verify(app)

    assert not report.ok and report.first_broken_seq == 2


async def test_the_command_line_exits_non_zero_on_a_broken_chain(app, client, settings, monkeypatch, capsys):
    await record_events(app, 3)
    monkeypatch.setenv("SIDAK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("SIDAK_DATABASE_URL", settings.database_url)
    assert await asyncio.to_thread(main, ["audit", "verify"]) == 0
    async with app.state.session_factory() as session, session.begin():
        await session.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(action="test.forged"))

    exit_code = await asyncio.to_thread(main, ["audit", "verify"])

    assert exit_code == 1
    assert "broken at event 1" in capsys.readouterr().out
