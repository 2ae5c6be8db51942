from __future__ import annotations

import uuid

from tests.integration.results.helpers import by_id, decide, results_of
from tests.integration.review.factories import a_scene, a_submitted_visit, random_answers


async def a_published_wave(client, make):
    scene = await a_scene(make, wave_status="review", units=2, other_units=1)
    visits = []
    for seed, unit in enumerate([*scene.units, *scene.other_units]):
        visit = await a_submitted_visit(
            make,
            await scene.assignment(make, unit),
            answers=random_answers(scene.instrument, seed),
            notes={"A01": "Petugas loket ramah."},
        )
        await decide(client, make, scene.admin, visit, "approve", comment="Disetujui oleh pengawas.")
        visits.append(visit)
    return scene, visits


async def test_anyone_reads_a_published_waves_scores_and_zones_without_logging_in(client, make):
    scene, _ = await a_published_wave(client, make)
    reviewers_view = await results_of(client, make, scene.admin, scene.wave)
    assert (
        await client.post(f"/api/admin/waves/{scene.wave.id}/publish", headers=make.headers(scene.admin))
    ).status_code == 200

    response = await client.get(f"/api/public/waves/{scene.wave.id}/results")

    assert response.status_code == 200
    body = response.json()
    for level in ("units", "agencies", "regions"):
        public = {row["id"]: (row["score"], row["zone"], row["grade"], row["dimensions"]) for row in body[level]}
        private = {
            row["id"]: (row["score"], row["zone"], row["grade"], row["dimensions"]) for row in reviewers_view[level]
        }
        assert public == private, level
    assert body["wave"]["status"] == "published"
    listed = (await client.get("/api/public/waves")).json()
    assert [w["id"] for w in listed] == [str(scene.wave.id)]


async def test_the_public_results_hide_evidence_and_names(client, make):
    scene, visits = await a_published_wave(client, make)
    await client.post(f"/api/admin/waves/{scene.wave.id}/publish", headers=make.headers(scene.admin))

    text = (await client.get(f"/api/public/waves/{scene.wave.id}/results")).text

    for visit in visits:
        assert str(visit.id) not in text
    for secret in (
        scene.surveyor.display_name,
        scene.surveyor.username,
        scene.supervisor.display_name,
        scene.admin.username,
        "visit_ids",
        "/api/photos/",
        "Petugas loket ramah",
        "Disetujui oleh",
        str(scene.surveyor.id),
    ):
        assert secret not in text, secret


async def test_a_wave_that_is_not_published_has_no_public_results(client, make):
    scene, _ = await a_published_wave(client, make)  # approved, but still under review

    unpublished = await client.get(f"/api/public/waves/{scene.wave.id}/results")
    unknown = await client.get(f"/api/public/waves/{uuid.uuid4()}/results")

    assert unpublished.status_code == unknown.status_code == 404
    assert unpublished.headers["content-type"].startswith("application/problem+json")
    assert (await client.get("/api/public/waves")).json() == []


async def test_the_public_sees_every_region_not_a_supervisors_share(client, make):
    scene, _ = await a_published_wave(client, make)
    await client.post(f"/api/admin/waves/{scene.wave.id}/publish", headers=make.headers(scene.admin))

    body = (await client.get(f"/api/public/waves/{scene.wave.id}/results")).json()

    assert set(by_id(body["regions"])) == {str(scene.region.id), str(scene.other_region.id)}
