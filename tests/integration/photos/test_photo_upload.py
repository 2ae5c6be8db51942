"""PUT /api/visits/{visit_id}/photos/{photo_id}: real photos in, verified and stored, the visit's receipt out."""

from __future__ import annotations

import asyncio
import io
import uuid

import httpx
from PIL import Image
from sqlalchemy import select

from server.db.models import AuditEvent, Flag, Photo, Visit, Wave
from server.lib.storage import display_key, original_key, thumb_key
from tests.integration.visits.helpers import (
    bytes_file,
    declaration,
    field,  # noqa: F401 - fixture
    live_server,  # noqa: F401 - fixture
    photo_file,
    re_encoded,
    scalars,
    unique_jpeg,
    upload,
    visit_document,
)
from tests.photo_queue import drain


async def a_visit_declaring(client, field, *photos, indicators=None):
    declared = [declaration(photo, indicator=(indicators or {}).get(i, f"A0{i + 1}")) for i, photo in enumerate(photos)]
    visit_id = uuid.uuid4()
    response = await client.put(
        f"/api/visits/{visit_id}",
        headers=field.headers,
        json=visit_document(field.assignment, field.unit, photos=declared),
    )
    assert response.status_code == 201
    return visit_id, declared


async def photo_row(app, declared):
    return (await scalars(app, select(Photo).where(Photo.id == uuid.UUID(declared["id"]))))[0]


async def flags_of(app, visit_id):
    return await scalars(app, select(Flag).where(Flag.visit_id == visit_id).order_by(Flag.id))


def spool_is_empty(settings):
    return not any(path.is_file() for path in settings.photo_spool_dir.rglob("*"))


# --- storing ------------------------------------------------------------------------------------------------------


async def test_the_last_missing_photo_is_stored_byte_identical_and_the_visit_is_submitted(app, client, settings, field):
    first, last = photo_file("DSCN0012.jpg"), unique_jpeg()
    visit_id, (first_declared, last_declared) = await a_visit_declaring(client, field, first, last)
    after_first = await upload(client, visit_id, first_declared, first, field.headers)

    response = await upload(client, visit_id, last_declared, last, field.headers)

    assert after_first.json()["status"] == "incomplete"
    assert after_first.json()["missing_photos"] == [last_declared["id"]]
    assert response.status_code == 201
    assert (response.json()["status"], response.json()["missing_photos"]) == ("submitted", [])
    await drain(app)
    store = app.state.photo_store
    assert await store.get(original_key(last.sha256, "image/jpeg")) == last.data
    with Image.open(io.BytesIO(await store.get(thumb_key(last.sha256)))) as thumb:
        assert thumb.format == "JPEG"
    assert not await store.exists(display_key(last.sha256))  # served from the original: stored once
    row = await photo_row(app, last_declared)
    assert row.display_ranges
    assert row.stored_at is not None and (row.width, row.height) == (64, 48)
    events = await scalars(app, select(AuditEvent.action).where(AuditEvent.entity_id == last_declared["id"]))
    assert events == ["photo.stored"]
    assert spool_is_empty(settings)


async def test_a_photo_with_gps_far_from_the_unit_is_flagged_far_on_the_receipt_and_old_exif_time_for_reviewers(
    app, client, field
):
    photo = photo_file("DSCN0010.jpg")  # GPS in Tuscany, EXIF time 2008
    visit_id, (declared,) = await a_visit_declaring(client, field, photo)

    response = await upload(client, visit_id, declared, photo, field.headers)

    far = [flag for flag in response.json()["flags"] if flag["code"] == "photo.far"]
    assert [flag["photo_id"] for flag in far] == [declared["id"]]
    assert "photo.time" not in {flag["code"] for flag in response.json()["flags"]}
    stored = {(flag.code, str(flag.photo_id)) for flag in await flags_of(app, visit_id)}
    assert {("photo.far", declared["id"]), ("photo.time", declared["id"])} <= stored
    row = await photo_row(app, declared)
    assert row.exif_lat is not None and row.exif_taken_at.year == 2008


async def test_a_photo_without_exif_is_noted_for_reviewers_as_info_only(app, client, field):
    photo = photo_file("no_exif.jpg")
    visit_id, (declared,) = await a_visit_declaring(client, field, photo)

    response = await upload(client, visit_id, declared, photo, field.headers)

    assert response.status_code in (200, 201)
    assert response.json()["flags"] == []
    no_exif = [flag for flag in await flags_of(app, visit_id) if flag.code == "photo.no_exif"]
    assert [(flag.severity, str(flag.photo_id)) for flag in no_exif] == [("info", declared["id"])]


async def test_a_photo_arriving_replaces_its_own_flags_and_leaves_the_visits_other_flags_as_they_were(
    app, client, field
):
    far, no_exif = photo_file("DSCN0010.jpg"), photo_file("no_exif.jpg")
    visit_id, (far_declared, no_exif_declared) = await a_visit_declaring(client, field, far, no_exif)
    await upload(client, visit_id, far_declared, far, field.headers)
    before = {(flag.id, flag.code, str(flag.photo_id), flag.computed_at) for flag in await flags_of(app, visit_id)}

    response = await upload(client, visit_id, no_exif_declared, no_exif, field.headers)

    after = {(flag.id, flag.code, str(flag.photo_id), flag.computed_at) for flag in await flags_of(app, visit_id)}
    assert before <= after  # the first photo's flags (and the visit's) are the very same rows
    assert {(code, photo_id) for _, code, photo_id, _ in after - before} == {("photo.no_exif", no_exif_declared["id"])}
    assert [flag["photo_id"] for flag in response.json()["flags"] if flag["code"] == "photo.far"] == [
        far_declared["id"]
    ]  # the receipt still lists every flag the surveyor may see


async def test_an_iphone_heic_is_stored_as_sent_and_rendered_as_jpeg(app, client, field):
    photo = photo_file("iphone_13_pro_max.HEIC", "image/heic")
    visit_id, (declared,) = await a_visit_declaring(client, field, photo)

    response = await upload(client, visit_id, declared, photo, field.headers)

    assert response.status_code in (200, 201)
    assert response.json()["status"] == "submitted"
    row = await photo_row(app, declared)
    assert (row.width, row.height) == (3024, 4032)
    assert row.original_key.endswith(".heic")
    await drain(app)
    assert await app.state.photo_store.get(row.original_key) == photo.data
    with Image.open(io.BytesIO(await app.state.photo_store.get(display_key(photo.sha256)))) as display:
        assert (display.format, max(display.size)) == ("JPEG", 1600)


async def test_a_sideways_photo_is_recorded_and_rendered_upright(app, client, field):
    photo = photo_file("portrait_6.jpg")  # stored 600×450 with EXIF orientation 6
    visit_id, (declared,) = await a_visit_declaring(client, field, photo)

    await upload(client, visit_id, declared, photo, field.headers)

    row = await photo_row(app, declared)
    assert (row.width, row.height) == (450, 600)
    await drain(app)
    with Image.open(io.BytesIO(await app.state.photo_store.get(display_key(photo.sha256)))) as display:
        assert display.size == (450, 600)


async def test_a_photo_with_malformed_maker_notes_is_stored(app, client, field):
    photo = photo_file("42_IndexError.jpg")
    visit_id, (declared,) = await a_visit_declaring(client, field, photo)

    response = await upload(client, visit_id, declared, photo, field.headers)

    assert response.status_code in (200, 201)
    assert (await photo_row(app, declared)).exif_taken_at.year == 2014


async def test_resending_a_stored_photo_answers_200_and_stores_nothing_new(app, client, field):
    photo = unique_jpeg()
    visit_id, (declared,) = await a_visit_declaring(client, field, photo)
    first = await upload(client, visit_id, declared, photo, field.headers)

    again = await upload(client, visit_id, declared, photo, field.headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    events = await scalars(app, select(AuditEvent.action).where(AuditEvent.entity_id == declared["id"]))
    assert events == ["photo.stored"]


async def test_a_look_alike_of_an_earlier_photo_is_flagged_reused_for_reviewers_only(app, client, field):
    original = photo_file("DSCN0012.jpg")
    look_alike = re_encoded(original)
    earlier_id, (earlier,) = await a_visit_declaring(client, field, original)
    await upload(client, earlier_id, earlier, original, field.headers)
    visit_id, (declared,) = await a_visit_declaring(client, field, look_alike)

    await drain(app)
    response = await upload(client, visit_id, declared, look_alike, field.headers)
    await drain(app)

    assert "photo.reused" not in {flag["code"] for flag in response.json()["flags"]}
    reused = [flag for flag in await flags_of(app, visit_id) if flag.code == "photo.reused"]
    assert len(reused) == 1 and str(earlier_id) in reused[0].detail


async def test_the_same_file_is_found_anywhere_and_a_look_alike_only_among_the_surveyors_and_the_units_visits(
    app, client, make, field
):
    original = photo_file("DSCN0012.jpg")
    look_alike = re_encoded(original)
    stranger = await make.user(role="surveyor")  # another surveyor at another unit of the same wave
    wave = (await scalars(app, select(Wave).where(Wave.id == field.assignment.wave_id)))[0]
    other_unit = await make.unit(agency=await make.agency(region=field.region))
    elsewhere = await make.assignment(wave=wave, unit=other_unit, surveyor=stranger)
    stranger_field = type(field)(field.region, other_unit, stranger, elsewhere, make.headers(stranger))
    theirs_id, (theirs,) = await a_visit_declaring(client, stranger_field, original)
    await upload(client, theirs_id, theirs, original, stranger_field.headers)

    copy_id, (copy,) = await a_visit_declaring(client, field, original)
    await upload(client, copy_id, copy, original, field.headers)
    await drain(app)
    alike_id, (alike,) = await a_visit_declaring(client, field, look_alike)
    await upload(client, alike_id, alike, look_alike, field.headers)
    await drain(app)

    copy_flags = [flag for flag in await flags_of(app, copy_id) if flag.code == "photo.reused"]
    assert len(copy_flags) == 1 and copy_flags[0].severity == "critical"
    assert str(theirs_id) in copy_flags[0].detail  # the same bytes, whoever sent them
    alike_flags = [flag for flag in await flags_of(app, alike_id) if flag.code == "photo.reused"]
    assert len(alike_flags) == 1 and alike_flags[0].severity == "warning"
    assert str(copy_id) in alike_flags[0].detail  # the surveyor's own earlier picture …
    assert str(theirs_id) not in alike_flags[0].detail  # … not a stranger's at another unit


# --- refusing -----------------------------------------------------------------------------------------------------


async def test_bytes_that_do_not_match_the_declared_hash_are_refused_and_nothing_is_kept(app, client, settings, field):
    declared_photo, sent = unique_jpeg(), unique_jpeg()
    visit_id, (declared,) = await a_visit_declaring(client, field, declared_photo)

    response = await upload(client, visit_id, declared, sent, field.headers)

    assert response.status_code == 422
    assert response.json()["code"] == "photo.hash_mismatch"
    for photo in (declared_photo, sent):
        assert not await app.state.photo_store.exists(original_key(photo.sha256, "image/jpeg"))
    assert (await photo_row(app, declared)).stored_at is None
    assert spool_is_empty(settings)


async def test_a_corrupted_jpeg_is_refused_as_unreadable_and_stays_missing(app, client, field):
    photo = photo_file("corrupted.jpg")
    visit_id, (declared,) = await a_visit_declaring(client, field, photo)

    response = await upload(client, visit_id, declared, photo, field.headers)

    assert response.status_code == 422
    assert response.json()["code"] == "photo.unreadable"
    assert not await app.state.photo_store.exists(original_key(photo.sha256, "image/jpeg"))
    visit = (await scalars(app, select(Visit).where(Visit.id == visit_id)))[0]
    assert visit.status == "incomplete"


async def test_a_text_file_sent_as_a_jpeg_is_refused_as_not_an_image(client, settings, field):
    text = bytes_file(b"Laporan kunjungan: semua baik.\n" * 50)
    visit_id, (declared,) = await a_visit_declaring(client, field, text)

    response = await upload(client, visit_id, declared, text, field.headers)

    assert response.status_code == 415
    assert response.json()["code"] == "photo.not_an_image"
    assert spool_is_empty(settings)


async def test_a_content_type_other_than_the_declared_image_kind_is_refused(client, field):
    photo = unique_jpeg()
    visit_id, (declared,) = await a_visit_declaring(client, field, photo)

    as_text = await upload(client, visit_id, declared, photo, field.headers, content_type="text/plain")
    as_png = await upload(client, visit_id, declared, photo, field.headers, content_type="image/png")

    assert (as_text.status_code, as_png.status_code) == (415, 415)
    assert as_png.json()["code"] == "photo.content_type"


async def test_a_decompression_bomb_is_refused_as_too_large(client, field):
    buffer = io.BytesIO()
    Image.new("1", (10_000, 8_000)).save(buffer, "PNG")  # 80 MP in a few kilobytes
    bomb = bytes_file(buffer.getvalue(), "image/png")
    visit_id, (declared,) = await a_visit_declaring(client, field, bomb)

    response = await upload(client, visit_id, declared, bomb, field.headers)

    assert response.status_code == 413
    assert response.json()["code"] == "photo.too_large"


async def test_a_photo_over_the_size_limit_is_refused_before_it_is_read(client, settings, field):
    huge = bytes_file(b"\xff\xd8" + bytes(settings.max_photo_bytes))
    visit_id, (declared,) = await a_visit_declaring(client, field, huge)

    response = await upload(client, visit_id, declared, huge, field.headers)

    assert response.status_code == 413
    assert spool_is_empty(settings)


async def test_a_body_streamed_past_the_size_limit_is_cut_off_and_its_spool_file_removed(
    settings, live_server, client, field
):
    huge = bytes_file(b"\xff\xd8" + bytes(settings.max_photo_bytes))
    visit_id, (declared,) = await a_visit_declaring(client, field, huge)

    async def chunks():  # no Content-Length: the server only learns the size by reading
        for start in range(0, len(huge.data), 1 << 20):
            yield huge.data[start : start + (1 << 20)]

    async with httpx.AsyncClient(base_url=live_server.url, headers=field.headers, timeout=60) as http:
        response = await http.put(
            f"/api/visits/{visit_id}/photos/{declared['id']}", content=chunks(), headers={"Content-Type": "image/jpeg"}
        )

    assert response.status_code == 413
    assert spool_is_empty(settings)


async def test_an_undeclared_photo_id_is_not_found(client, field):
    visit_id, _ = await a_visit_declaring(client, field, unique_jpeg())
    stranger = {"id": str(uuid.uuid4())}

    response = await upload(client, visit_id, stranger, unique_jpeg(), field.headers)

    assert response.status_code == 404
    assert response.json()["code"] == "photo.not_declared"


async def test_a_photo_for_another_surveyors_visit_is_not_found(client, make, field):
    photo = unique_jpeg()
    visit_id, (declared,) = await a_visit_declaring(client, field, photo)
    intruder = await make.user(role="surveyor")

    response = await upload(client, visit_id, declared, photo, make.headers(intruder))

    assert response.status_code == 404


# --- races over real HTTP -----------------------------------------------------------------------------------------


async def test_twenty_racing_uploads_of_one_photo_store_it_once_and_all_succeed(
    app, settings, client, live_server, field
):
    photo = unique_jpeg((1600, 1200))
    visit_id, (declared,) = await a_visit_declaring(client, field, photo)
    path = f"/api/visits/{visit_id}/photos/{declared['id']}"

    async with httpx.AsyncClient(base_url=live_server.url, headers=field.headers, timeout=60) as http:
        responses = await asyncio.gather(
            *(http.put(path, content=photo.data, headers={"Content-Type": "image/jpeg"}) for _ in range(20))
        )

    assert sorted(response.status_code for response in responses) == [200] * 19 + [201]
    assert len({response.content for response in responses}) == 1
    assert responses[0].json()["status"] == "submitted"
    events = await scalars(app, select(AuditEvent.action).where(AuditEvent.entity_id == declared["id"]))
    assert events == ["photo.stored"]
    assert await app.state.photo_store.get(original_key(photo.sha256, "image/jpeg")) == photo.data
    assert not any((settings.data_dir / "photos" / ".tmp").glob("*"))
    assert spool_is_empty(settings)


async def test_two_photos_of_one_visit_arriving_together_complete_it(app, client, live_server, field):
    photos = [unique_jpeg(), unique_jpeg()]
    visit_id, declared = await a_visit_declaring(client, field, *photos)

    async with httpx.AsyncClient(base_url=live_server.url, headers=field.headers, timeout=60) as http:
        await asyncio.gather(
            *(
                http.put(
                    f"/api/visits/{visit_id}/photos/{d['id']}", content=p.data, headers={"Content-Type": "image/jpeg"}
                )
                for d, p in zip(declared, photos, strict=True)
            )
        )

    visit = (await scalars(app, select(Visit).where(Visit.id == visit_id)))[0]
    assert visit.status == "submitted"
