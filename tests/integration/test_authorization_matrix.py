"""Who may call what: every route of the app, called as every kind of caller, against the table below.

HOW TO ADD A ROUTE: a route missing from ``ACCESS`` fails ``test_every_route_is_in_the_access_table``. Add a line
``("METHOD", "/path/as/litestar/writes/it"): RULE`` with one of the rules below; if a path parameter is new, teach
``path_for`` where to find a real id for it in the ``World``. Requests carry ``{}`` as their JSON body unless
``BODIES`` says otherwise — a body that passes the guards but changes nothing (the world is shared by all calls) —
and extra headers where ``HEADERS`` names some.

Rules (the callers, in call order: anonymous, surveyor, supervisor of another region, supervisor, admin):
  PUBLIC            anyone, logged in or not
  ANYONE            any logged-in user
  SURVEYOR          surveyors only
  REVIEWERS         supervisors (of any region: the answer is filtered to their regions) and admins
  REVIEWERS_SCOPED  supervisors of the resource's region and admins; a supervisor of another region is refused
  OWNER_OR_SCOPED   the surveyor who made the resource, supervisors of its region and admins
  ADMIN             admins only
"Refused" is 401 for anonymous callers and 403 — or 404 for a resource outside one's scope, so ids reveal nothing —
for the others; "let in" is any other answer except 404 (every id in the world exists; a 422 for an empty body still
got past the guards).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar
from litestar.routes import HTTPRoute

from tests.factories import Factory
from tests.integration.visits.helpers import (
    declaration,
    instrument_with_optional_photos,
    unique_jpeg,
    upload,
    visit_document,
)

CALLERS = ("anonymous", "surveyor", "other_supervisor", "supervisor", "admin")
PUBLIC = frozenset(CALLERS)
ANYONE = frozenset(CALLERS) - {"anonymous"}
SURVEYOR = frozenset({"surveyor"})
REVIEWERS = frozenset({"other_supervisor", "supervisor", "admin"})
REVIEWERS_SCOPED = frozenset({"supervisor", "admin"})
OWNER_OR_SCOPED = frozenset({"surveyor", "supervisor", "admin"})
ADMIN = frozenset({"admin"})
SCOPED_RULES = (REVIEWERS_SCOPED, OWNER_OR_SCOPED)

ACCESS: dict[tuple[str, str], frozenset[str]] = {
    ("POST", "/api/auth/login"): PUBLIC,
    ("POST", "/api/auth/refresh"): PUBLIC,
    ("POST", "/api/auth/logout"): PUBLIC,
    # sync
    ("GET", "/api/me/assignments"): ANYONE,
    ("GET", "/api/instruments/{key:str}/{version:str}"): ANYONE,
    ("PUT", "/api/visits/{visit_id:uuid}"): SURVEYOR,
    ("GET", "/api/visits/{visit_id:uuid}"): OWNER_OR_SCOPED,
    ("GET", "/api/me/visits"): SURVEYOR,
    ("PUT", "/api/visits/{visit_id:uuid}/photos/{photo_id:uuid}"): SURVEYOR,
    ("GET", "/api/photos/{photo_id:uuid}/{variant:str}"): OWNER_OR_SCOPED,
    # ODK Collect keys
    ("GET", "/api/collect-keys"): REVIEWERS,
    ("POST", "/api/collect-keys/{surveyor_id:uuid}"): REVIEWERS_SCOPED,
    ("DELETE", "/api/collect-keys/{surveyor_id:uuid}"): REVIEWERS_SCOPED,
    # admin
    ("POST", "/api/admin/instruments"): ADMIN,
    ("GET", "/api/admin/instruments"): ADMIN,
    ("GET", "/api/admin/instruments/{key:str}/{version:str}"): ADMIN,
    ("GET", "/api/admin/instruments/{key:str}/{version:str}/xlsform.xlsx"): ADMIN,
    ("GET", "/api/admin/photo-queue"): ADMIN,
    ("POST", "/api/admin/regions"): ADMIN,
    ("GET", "/api/admin/regions"): ADMIN,
    ("GET", "/api/admin/regions/{region_id:uuid}"): ADMIN,
    ("POST", "/api/admin/agencies"): ADMIN,
    ("GET", "/api/admin/agencies"): ADMIN,
    ("GET", "/api/admin/agencies/{agency_id:uuid}"): ADMIN,
    ("POST", "/api/admin/units"): ADMIN,
    ("GET", "/api/admin/units"): ADMIN,
    ("GET", "/api/admin/units/{unit_id:uuid}"): ADMIN,
    ("PATCH", "/api/admin/units/{unit_id:uuid}"): ADMIN,
    ("POST", "/api/admin/units/import"): ADMIN,
    ("POST", "/api/admin/users"): ADMIN,
    ("GET", "/api/admin/users"): ADMIN,
    ("GET", "/api/admin/users/{user_id:uuid}"): ADMIN,
    ("PATCH", "/api/admin/users/{user_id:uuid}"): ADMIN,
    ("POST", "/api/admin/users/{user_id:uuid}/conflicts"): ADMIN,
    ("POST", "/api/admin/waves"): ADMIN,
    ("GET", "/api/admin/waves"): ADMIN,
    ("GET", "/api/admin/waves/{wave_id:uuid}"): ADMIN,
    ("PATCH", "/api/admin/waves/{wave_id:uuid}"): ADMIN,
    ("POST", "/api/admin/waves/{wave_id:uuid}/status"): ADMIN,
    ("POST", "/api/admin/waves/{wave_id:uuid}/assignments"): ADMIN,
    ("GET", "/api/admin/waves/{wave_id:uuid}/assignments"): ADMIN,
    # The world's assignment has a visit, so the admin's delete is refused with 409 and changes nothing.
    ("DELETE", "/api/admin/waves/{wave_id:uuid}/assignments/{assignment_id:uuid}"): ADMIN,
    ("GET", "/api/admin/profiles"): ADMIN,
    ("POST", "/api/admin/waves/{wave_id:uuid}/publish"): ADMIN,
    # review and results
    ("GET", "/api/review/visits"): REVIEWERS,
    ("GET", "/api/review/visits/{visit_id:uuid}"): REVIEWERS_SCOPED,
    ("POST", "/api/review/visits/{visit_id:uuid}/decision"): REVIEWERS_SCOPED,
    ("GET", "/api/review/waves"): REVIEWERS,
    ("GET", "/api/waves/{wave_id:uuid}/results"): REVIEWERS,
    ("GET", "/api/waves/{wave_id:uuid}/results.csv"): REVIEWERS,
    ("GET", "/api/waves/{wave_id:uuid}/results.xlsx"): REVIEWERS,
    ("GET", "/api/waves/{wave_id:uuid}/results.geojson"): REVIEWERS,
    ("GET", "/api/public/waves"): PUBLIC,
    ("GET", "/api/public/waves/{wave_id:uuid}/results"): PUBLIC,
    # between waves: comparison, trends, changes, rankings, improvement plans
    ("GET", "/api/insights/comparison"): REVIEWERS,
    ("GET", "/api/insights/units/{unit_id:uuid}/trend"): REVIEWERS_SCOPED,
    ("GET", "/api/insights/agencies/{agency_id:uuid}/trend"): REVIEWERS_SCOPED,
    ("GET", "/api/insights/regions/{region_id:uuid}/trend"): REVIEWERS_SCOPED,
    ("GET", "/api/insights/units/{unit_id:uuid}/changes"): REVIEWERS_SCOPED,
    ("GET", "/api/insights/units/{unit_id:uuid}/plan"): REVIEWERS_SCOPED,
    ("GET", "/api/insights/units/{unit_id:uuid}/plan.csv"): REVIEWERS_SCOPED,
    ("GET", "/api/waves/{wave_id:uuid}/rankings"): REVIEWERS,
    ("GET", "/api/waves/{wave_id:uuid}/rankings.csv"): REVIEWERS,
    ("GET", "/api/public/waves/{wave_id:uuid}/rankings"): PUBLIC,
    ("GET", "/api/public/waves/{wave_id:uuid}/rankings.csv"): PUBLIC,
    ("GET", "/api/public/units/{unit_id:uuid}/trend"): PUBLIC,
    ("GET", "/api/public/agencies/{agency_id:uuid}/trend"): PUBLIC,
    ("GET", "/api/public/regions/{region_id:uuid}/trend"): PUBLIC,
    # settings
    ("GET", "/api/settings/map"): ANYONE,
    # monitoring: also anyone on the server's own machine (HEADERS sends these calls from elsewhere)
    ("GET", "/metrics"): ADMIN,
}

# A decision on a revision the visit never had: past the guards and the scope check, refused before any write.
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/review/visits/{visit_id:uuid}/decision"): {"decision": "approve", "revision": 99},
}


# The test client calls from 127.0.0.1, a trusted proxy: these calls are forwarded for a caller elsewhere, so that
# the rule checked is the one for callers who are not on the server's own machine (tests/integration/metrics).
HEADERS: dict[tuple[str, str], dict[str, str]] = {
    ("GET", "/metrics"): {"X-Forwarded-For": "203.0.113.7"},
}


def app_routes(app: Litestar) -> set[tuple[str, str]]:
    """Every (method, path) the app serves, except static files, the OpenAPI pages and the OpenRosa routes (their
    credential is the Collect key in the path, not a caller's token: tests/integration/openrosa checks them)."""
    routes = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith(("/schema", "/api/openrosa/")):
            continue
        for handler in route.route_handlers:
            fn = getattr(handler.fn, "value", handler.fn)
            if getattr(fn, "__module__", "").startswith("litestar.static_files"):
                continue
            routes |= {(method, route.path) for method in handler.http_methods if method not in ("OPTIONS", "HEAD")}
    return routes


def test_every_route_is_in_the_access_table(app):
    served = app_routes(app)

    missing = sorted(served - set(ACCESS))
    stale = sorted(set(ACCESS) - served)

    assert not missing, (
        "Routes without an access rule: "
        + ", ".join(f"{m} {p}" for m, p in missing)
        + ". Add each to ACCESS in tests/integration/test_authorization_matrix.py with who may call it (see the "
        "module docstring for the rules and how to give a new path parameter a real id)."
    )
    assert not stale, "ACCESS names routes the app no longer serves: " + ", ".join(f"{m} {p}" for m, p in stale)


@dataclass
class World:
    ids: dict[str, str]
    headers: dict[str, dict[str, str]]


@pytest.fixture
async def world(client, make: Factory) -> World:
    """One region with a unit, a surveyor's submitted visit with a stored photo, a supervisor of another region, and a
    published wave for the public routes."""
    region, elsewhere = await make.region(), await make.region()
    agency = await make.agency(region=region)
    unit = await make.unit(agency=agency)
    instrument = await make.instrument(instrument_with_optional_photos())
    wave = await make.wave(instrument=instrument)
    surveyor = await make.user(role="surveyor")
    assignment = await make.assignment(wave=wave, unit=unit, surveyor=surveyor)
    headers = {
        "anonymous": {},
        "surveyor": make.headers(surveyor),
        "other_supervisor": make.headers(await make.user(role="supervisor", regions=[elsewhere])),
        "supervisor": make.headers(await make.user(role="supervisor", regions=[region])),
        "admin": make.headers(await make.user(role="admin")),
    }
    photo = unique_jpeg()
    declared = declaration(photo)
    visit_id = uuid.uuid4()
    sent = await client.put(
        f"/api/visits/{visit_id}", json=visit_document(assignment, unit, photos=[declared]), headers=headers["surveyor"]
    )
    assert sent.status_code == 201, sent.text
    stored = await upload(client, visit_id, declared, photo, headers["surveyor"])
    assert stored.status_code in (200, 201), stored.text
    published = await make.wave(instrument=instrument, status="published")
    ids = {
        "visit_id": str(visit_id),
        "photo_id": declared["id"],
        "variant": "thumb",
        "wave_id": str(wave.id),
        "published_wave_id": str(published.id),
        "region_id": str(region.id),
        "agency_id": str(agency.id),
        "unit_id": str(unit.id),
        "user_id": str(surveyor.id),
        "surveyor_id": str(surveyor.id),
        "assignment_id": str(assignment.id),
        "key": instrument.key,
        "version": instrument.version,
    }
    return World(ids, headers)


def path_for(path: str, world: World) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "wave_id" and path.startswith("/api/public/"):
            name = "published_wave_id"
        assert name in world.ids, f"no id for path parameter {name!r}: add one to World.ids in the world fixture"
        return world.ids[name]

    return re.sub(r"\{(\w+)(?::\w+)?\}", fill, path)


def is_refused(status: int, caller: str, rule: frozenset[str]) -> bool:
    if caller == "anonymous":
        return status == 401
    return status == 403 or (status == 404 and rule in SCOPED_RULES)


def is_let_in(status: int) -> bool:
    # Every id in the world exists, so a caller who is let in never hears 404.
    return status not in (401, 403, 404)


async def test_every_route_lets_in_exactly_the_callers_its_rule_names(app, client, world):
    mismatches = []
    for (method, path), rule in sorted(ACCESS.items()):
        url = path_for(path, world)
        body = BODIES.get((method, path), {})
        for caller in CALLERS:
            kwargs = {"json": body} if method in ("POST", "PUT", "PATCH") else {}
            headers = {**world.headers[caller], **HEADERS.get((method, path), {})}
            response = await client.request(method, url, headers=headers, **kwargs)
            if caller in rule and not is_let_in(response.status_code):
                mismatches.append(f"{caller} should be let into {method} {path} but got {response.status_code}")
            elif caller not in rule and not is_refused(response.status_code, caller, rule):
                mismatches.append(f"{caller} should be refused {method} {path} but got {response.status_code}")
            elif caller not in rule:
                assert response.headers["content-type"].startswith("application/problem+json")

    assert not mismatches, "\n".join(mismatches)
