"""The render queue: a photo's receipt comes before its rendering; workers claim photos with a lease, a lease that
runs out gives the photo back, and a photo that cannot be rendered ends as ``photo.unreadable``, never retried for
ever."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from server.db.models import AuditEvent, Flag, Photo, PhotoLookAlikeKey
from server.domain.photos import queries
from server.domain.photos.render_service import MAX_ATTEMPTS
from server.lib import clock
from server.lib.storage import display_key, thumb_key
from tests.integration.metrics.test_metrics import sample
from tests.integration.photos.test_photo_upload import a_visit_declaring, photo_row
from tests.integration.visits.helpers import (
    bytes_file,
    field,  # noqa: F401 - fixture
    photo_file,
    scalars,
    unique_jpeg,
    upload,
)
from tests.photo_queue import drain


async def claim(app, worker: str, *, batch: int = 10):
    now = clock.now()
    async with app.state.session_factory() as session:
        rows = await queries.claim_renderings(
            session,
            worker=worker,
            now=now,
            lease_until=now + timedelta(seconds=app.state.settings.photo_render_lease_s),
            batch=batch,
        )
        await session.commit()
    return rows


async def depth(app) -> queries.QueueDepth:
    async with app.state.session_factory() as session:
        return await queries.queue_depth(session, clock.now())


async def surveyor_receipt(client, field, visit_id):
    return (await client.get(f"/api/visits/{visit_id}", headers=field.headers)).json()


async def test_the_receipt_comes_before_the_rendering_and_the_queue_renders_it_later(app, client, field):
    await drain(app)
    photo = unique_jpeg()
    visit_id, (declared,) = await a_visit_declaring(client, field, photo)

    response = await upload(client, visit_id, declared, photo, field.headers)

    assert (response.status_code, response.json()["status"], response.json()["missing_photos"]) == (
        201,
        "submitted",
        [],
    )
    row = await photo_row(app, declared)
    assert row.stored_at is not None and (row.width, row.height) == (64, 48)
    assert (row.rendered_at, row.phash, row.display_ranges) == (None, None, None)
    assert not await app.state.photo_store.exists(thumb_key(photo.sha256))
    waiting = await depth(app)
    assert (waiting.waiting, waiting.in_progress) == (1, 0) and waiting.oldest_waiting_s is not None

    assert await drain(app) == 1

    row = await photo_row(app, declared)
    assert row.rendered_at is not None and row.phash and row.display_ranges
    assert await app.state.photo_store.exists(thumb_key(photo.sha256))
    keys = await scalars(app, select(PhotoLookAlikeKey).where(PhotoLookAlikeKey.photo_id == row.id))
    assert keys and {key.phash for key in keys} == {row.phash}
    assert (await depth(app)).waiting == 0
    assert await drain(app) == 0  # nothing is rendered twice


async def test_two_workers_never_claim_the_same_photo(app, client, field):
    await drain(app)
    photos = [unique_jpeg() for _ in range(3)]
    visit_id, declared = await a_visit_declaring(client, field, *photos)
    for declaration, photo in zip(declared, photos, strict=True):
        await upload(client, visit_id, declaration, photo, field.headers)

    first = await claim(app, "worker-a", batch=2)
    second = await claim(app, "worker-b", batch=2)
    third = await claim(app, "worker-c", batch=2)

    assert (len(first), len(second), third) == (2, 1, [])
    assert {row.id for row in first} | {row.id for row in second} == {uuid.UUID(d["id"]) for d in declared}
    assert (await depth(app)).in_progress == 3
    rows = await scalars(app, select(Photo).where(Photo.visit_id == visit_id))
    assert {row.render_leased_by for row in rows} == {"worker-a", "worker-b"}
    clock.advance(timedelta(seconds=app.state.settings.photo_render_lease_s + 1))
    await drain(app)


async def test_a_lease_that_runs_out_gives_the_photo_back_and_counts_the_attempt(app, client, field):
    await drain(app)
    photo = unique_jpeg()
    visit_id, (declared,) = await a_visit_declaring(client, field, photo)
    await upload(client, visit_id, declared, photo, field.headers)
    [claimed] = await claim(app, "killed-worker")  # and never recorded: its process was killed mid-render
    assert claimed.render_attempts == 1
    assert await claim(app, "another-worker") == []  # leased

    clock.advance(timedelta(seconds=app.state.settings.photo_render_lease_s + 1))

    assert (await depth(app)).waiting == 1
    assert await drain(app) == 1
    row = await photo_row(app, declared)
    assert (row.render_attempts, row.rendered_at is not None, row.unreadable_at) == (2, True, None)
    assert (row.render_lease_until, row.render_leased_by) == (None, None)


async def test_a_photo_that_stopped_its_renderer_twice_ends_unreadable_and_the_surveyor_is_told(app, client, field):
    await drain(app)
    photo = unique_jpeg()
    visit_id, (declared,) = await a_visit_declaring(client, field, photo)
    await upload(client, visit_id, declared, photo, field.headers)
    for _ in range(MAX_ATTEMPTS):
        assert len(await claim(app, "killed-worker")) == 1
        clock.advance(timedelta(seconds=app.state.settings.photo_render_lease_s + 1))

    assert await drain(app) == 1

    row = await photo_row(app, declared)
    assert row.unreadable_at is not None and row.rendered_at is None
    flags = await scalars(app, select(Flag).where(Flag.visit_id == visit_id, Flag.code == "photo.unreadable"))
    assert [str(flag.photo_id) for flag in flags] == [declared["id"]]
    receipt = await surveyor_receipt(client, field, visit_id)
    assert [(f["code"], f["photo_id"]) for f in receipt["flags"]] == [("photo.unreadable", declared["id"])]
    events = await scalars(app, select(AuditEvent.action).where(AuditEvent.entity_id == declared["id"]))
    assert events == ["photo.stored", "photo.unreadable"]
    assert (await depth(app)).unreadable >= 1
    assert await drain(app) == 0  # never tried again


async def test_damage_only_decoding_finds_is_received_then_flagged_unreadable(app, client, settings, field):
    await drain(app)
    whole = photo_file("DSCN0012.jpg").data
    truncated = bytes_file(whole[: len(whole) // 2])  # the header is whole: only decoding meets the cut
    visit_id, (declared,) = await a_visit_declaring(client, field, truncated)

    response = await upload(client, visit_id, declared, truncated, field.headers)
    assert response.status_code == 201

    await drain(app)

    row = await photo_row(app, declared)
    assert row.unreadable_at is not None and row.render_attempts == 1
    receipt = await surveyor_receipt(client, field, visit_id)
    assert "photo.unreadable" in {flag["code"] for flag in receipt["flags"]}
    assert not await app.state.photo_store.exists(display_key(truncated.sha256))
    display = await client.get(f"/api/photos/{declared['id']}/display", headers=field.headers)
    assert display.status_code == 404
    assert not any(path.is_file() for path in settings.photo_spool_dir.rglob("*"))


async def test_admins_see_the_queue_and_nobody_else_does(app, client, make, field):
    await drain(app)
    photo = unique_jpeg()
    visit_id, (declared,) = await a_visit_declaring(client, field, photo)
    await upload(client, visit_id, declared, photo, field.headers)
    admin, supervisor = await make.user(role="admin"), await make.user(role="supervisor", regions=[field.region])

    answer = await client.get("/api/admin/photo-queue", headers=make.headers(admin))
    refused = [
        (await client.get("/api/admin/photo-queue", headers=headers)).status_code
        for headers in (make.headers(supervisor), field.headers, {})
    ]

    assert answer.status_code == 200
    body = answer.json()
    assert (body["waiting"], body["in_progress"]) == (1, 0)
    assert body["oldest_waiting_s"] >= 0 and body["unreadable"] >= 0
    assert refused == [403, 403, 401]
    await drain(app)
    assert (await client.get("/api/admin/photo-queue", headers=make.headers(admin))).json()["waiting"] == 0


async def test_the_metrics_show_the_queue_as_the_admin_endpoint_does(app, client, field):
    await drain(app)
    photo = unique_jpeg()
    visit_id, (declared,) = await a_visit_declaring(client, field, photo)
    await upload(client, visit_id, declared, photo, field.headers)

    waiting = (await client.get("/metrics")).text
    await drain(app)
    drained = (await client.get("/metrics")).text

    assert sample(waiting, "sidak_scrape_gauge_up", gauge="sidak_photo_render_queue") == 1
    assert sample(waiting, "sidak_photo_render_queue_waiting") == 1
    assert sample(waiting, "sidak_photo_render_queue_oldest_waiting_seconds") >= 0
    assert sample(drained, "sidak_photo_render_queue_waiting") == 0
    assert sample(drained, "sidak_photo_render_queue_oldest_waiting_seconds") is None
