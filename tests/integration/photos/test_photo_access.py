"""GET /api/photos/{photo_id}/{original|display|thumb}: evidence for the people who may see it, nobody else."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image
from sqlalchemy import select, update

from server.db.models import Photo
from server.domain.photos.processing import process_photo
from server.lib.storage import display_key, original_key, thumb_key
from tests.integration.visits.helpers import (
    declaration,
    field,  # noqa: F401 - fixture
    photo_file,
    scalars,
    unique_jpeg,
    upload,
    visit_document,
)
from tests.photo_queue import drain


async def a_stored_photo(client, field, photo):
    declared = declaration(photo)
    visit_id = uuid.uuid4()
    await client.put(
        f"/api/visits/{visit_id}",
        headers=field.headers,
        json=visit_document(field.assignment, field.unit, photos=[declared]),
    )
    response = await upload(client, visit_id, declared, photo, field.headers)
    assert response.status_code in (200, 201)
    return declared["id"]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("surveyor_who_took_it", 200),
        ("other_surveyor", 404),
        ("supervisor_of_region", 200),
        ("supervisor_of_another_region", 404),
        ("admin", 200),
        ("anonymous", 401),
    ],
)
async def test_a_photo_is_shown_to_its_surveyor_supervisors_of_its_region_and_admins_only(
    client, make, field, who, expected
):
    photo_id = await a_stored_photo(client, field, unique_jpeg())
    users = {
        "surveyor_who_took_it": field.surveyor,
        "other_surveyor": await make.user(role="surveyor"),
        "supervisor_of_region": await make.user(role="supervisor", regions=[field.region]),
        "supervisor_of_another_region": await make.user(role="supervisor", regions=[await make.region()]),
        "admin": await make.user(role="admin"),
    }
    headers = make.headers(users[who]) if who in users else {}

    responses = [
        await client.get(f"/api/photos/{photo_id}/{variant}", headers=headers)
        for variant in ("original", "display", "thumb")
    ]

    assert [response.status_code for response in responses] == [expected] * 3


async def test_the_original_comes_back_byte_identical_with_private_immutable_caching_and_a_strong_etag(client, field):
    photo = photo_file("DSCN0012.jpg")
    photo_id = await a_stored_photo(client, field, photo)

    response = await client.get(f"/api/photos/{photo_id}/original", headers=field.headers)

    assert response.status_code == 200
    assert response.content == photo.data
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["etag"] == f'"{photo.sha256}-original"'
    cache_control = response.headers["cache-control"]
    assert "private" in cache_control and "immutable" in cache_control and "max-age=" in cache_control


async def test_renderings_lost_from_the_store_are_made_again_from_the_original_when_asked_for(
    app, client, field, tmp_path
):
    # Renderings are not flushed to disk before the receipt: a power cut may lose them or leave them empty.
    photo = photo_file("portrait_6.jpg")  # sideways: its display image is a rendering of its own
    photo_id = await a_stored_photo(client, field, photo)
    await drain(app)
    root = app.state.photo_store.root
    (tmp_path / "photo.jpg").write_bytes(photo.data)
    expected = process_photo(tmp_path / "photo.jpg")
    (root / display_key(photo.sha256)).unlink()
    (root / thumb_key(photo.sha256)).write_bytes(b"")

    display = await client.get(f"/api/photos/{photo_id}/display", headers=field.headers)
    thumb = await client.get(f"/api/photos/{photo_id}/thumb", headers=field.headers)

    assert (display.status_code, thumb.status_code) == (200, 200)
    assert (display.content, thumb.content) == (expected.display_jpeg, expected.thumb_jpeg)
    assert (root / display_key(photo.sha256)).read_bytes() == expected.display_jpeg
    assert (root / thumb_key(photo.sha256)).read_bytes() == expected.thumb_jpeg


async def test_a_phone_photo_is_stored_once_and_its_display_image_is_the_original_without_metadata(
    app, client, field, tmp_path
):
    photo = photo_file("DSCN0012.jpg")  # upright, 640×480, with a camera's EXIF and GPS
    photo_id = await a_stored_photo(client, field, photo)
    await drain(app)
    (tmp_path / "photo.jpg").write_bytes(photo.data)
    expected = process_photo(tmp_path / "photo.jpg")

    display = await client.get(f"/api/photos/{photo_id}/display", headers=field.headers)

    assert display.status_code == 200
    assert display.content == expected.display_jpeg
    assert int(display.headers["content-length"]) == len(expected.display_jpeg) < len(photo.data)
    with Image.open(io.BytesIO(display.content)) as image:
        assert not image.getexif() and "exif" not in image.info
    assert not (app.state.photo_store.root / display_key(photo.sha256)).exists()


async def test_a_photo_not_rendered_yet_is_rendered_when_asked_for_and_the_queue_then_records_it(
    app, client, field, tmp_path
):
    photo = photo_file("portrait_6.jpg")
    photo_id = await a_stored_photo(client, field, photo)
    root = app.state.photo_store.root
    (tmp_path / "photo.jpg").write_bytes(photo.data)
    expected = process_photo(tmp_path / "photo.jpg")
    for key in (display_key(photo.sha256), thumb_key(photo.sha256)):  # another test's copy may have been rendered
        (root / key).unlink(missing_ok=True)

    display = await client.get(f"/api/photos/{photo_id}/display", headers=field.headers)
    thumb = await client.get(f"/api/photos/{photo_id}/thumb", headers=field.headers)
    claimed = await drain(app)

    assert (display.content, thumb.content) == (expected.display_jpeg, expected.thumb_jpeg)
    assert claimed >= 1
    row = (await scalars(app, select(Photo).where(Photo.id == uuid.UUID(photo_id))))[0]
    assert row.rendered_at is not None and row.phash == expected.phash
    # Rendered twice, once on demand and once by the queue: the same bytes under the same keys.
    assert (root / display_key(photo.sha256)).read_bytes() == expected.display_jpeg
    assert (root / thumb_key(photo.sha256)).read_bytes() == expected.thumb_jpeg


async def test_a_display_file_lost_for_a_photo_stored_before_is_served_from_its_original(app, client, field, tmp_path):
    # Photos stored before display images were served from their originals have a display file and no ranges.
    photo = photo_file("DSCN0012.jpg")
    photo_id = await a_stored_photo(client, field, photo)
    async with app.state.session_factory() as session, session.begin():
        await session.execute(update(Photo).where(Photo.id == uuid.UUID(photo_id)).values(display_ranges=None))
    (tmp_path / "photo.jpg").write_bytes(photo.data)

    display = await client.get(f"/api/photos/{photo_id}/display", headers=field.headers)

    assert (display.status_code, display.content) == (200, process_photo(tmp_path / "photo.jpg").display_jpeg)


async def test_a_rendering_is_not_made_from_an_original_that_is_gone(app, client, field):
    photo = unique_jpeg()
    photo_id = await a_stored_photo(client, field, photo)
    await drain(app)
    root = app.state.photo_store.root
    (root / original_key(photo.sha256, "image/jpeg")).unlink()
    (root / thumb_key(photo.sha256)).unlink()

    response = await client.get(f"/api/photos/{photo_id}/thumb", headers=field.headers)

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert not (root / thumb_key(photo.sha256)).exists()


async def test_display_and_thumb_are_jpegs_of_the_right_size(client, field):
    photo_id = await a_stored_photo(client, field, photo_file("HMD_Nokia_8.3_5G.jpg"))

    display = await client.get(f"/api/photos/{photo_id}/display", headers=field.headers)
    thumb = await client.get(f"/api/photos/{photo_id}/thumb", headers=field.headers)

    with Image.open(io.BytesIO(display.content)) as image:
        assert (image.format, max(image.size)) == ("JPEG", 1600)
        assert not image.getexif()
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert (image.format, max(image.size)) == ("JPEG", 320)
    assert display.headers["etag"] != thumb.headers["etag"]


async def test_a_cached_copy_is_revalidated_with_304_and_no_body(client, field):
    photo_id = await a_stored_photo(client, field, unique_jpeg())
    first = await client.get(f"/api/photos/{photo_id}/thumb", headers=field.headers)

    again = await client.get(
        f"/api/photos/{photo_id}/thumb", headers={**field.headers, "If-None-Match": first.headers["etag"]}
    )

    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == first.headers["etag"]


async def test_an_etag_does_not_let_a_stranger_learn_that_a_photo_exists(client, make, field):
    photo = unique_jpeg()
    photo_id = await a_stored_photo(client, field, photo)
    stranger = await make.user(role="surveyor")

    response = await client.get(
        f"/api/photos/{photo_id}/original",
        headers={**make.headers(stranger), "If-None-Match": f'"{photo.sha256}-original"'},
    )

    assert response.status_code == 404


async def test_a_declared_photo_not_yet_received_an_unknown_photo_and_an_unknown_variant_are_not_found(client, field):
    declared = declaration(unique_jpeg())
    await client.put(
        f"/api/visits/{uuid.uuid4()}",
        headers=field.headers,
        json=visit_document(field.assignment, field.unit, photos=[declared]),
    )
    stored_id = await a_stored_photo(client, field, unique_jpeg())

    not_received = await client.get(f"/api/photos/{declared['id']}/original", headers=field.headers)
    unknown = await client.get(f"/api/photos/{uuid.uuid4()}/original", headers=field.headers)
    bad_variant = await client.get(f"/api/photos/{stored_id}/raw", headers=field.headers)

    assert [not_received.status_code, unknown.status_code, bad_variant.status_code] == [404, 404, 404]
