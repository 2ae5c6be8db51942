"""What the OpenAPI document says beyond the handlers' own annotations: the RFC 9457 problems each operation can
answer (Litestar would document a 400 of its own shape, which Sidak never sends), and the bodies of the two sync
routes that read their request themselves.

Which problems an operation can answer follows from what it is: a body or parameters can be malformed (400) or
invalid (422); a route outside /api/auth and /api/public needs a token (401); a role guard refuses (403); a path
parameter can name nothing (404, also for what the caller may not see); a change can meet a conflict (409); a body
can be too large (413) or of the wrong kind (415, raw uploads). ``EXTRA_STATUSES`` adds what no rule predicts.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
)
from litestar.routes import HTTPRoute

from server.lib.auth import anyone_logged_in

PROBLEM_JSON = "application/problem+json"
PUBLIC_PREFIXES = ("/api/auth/", "/api/public/")
CHANGING_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic")
_BYTES = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)

DESCRIPTIONS = {
    400: "Malformed request (not JSON, a broken form or query)",
    401: "Not authenticated: no token, or one that is invalid or expired",
    403: "The caller's role may not do this",
    404: "Nothing by that id that the caller may see",
    409: "Conflicts with what is stored (`code` names the rule)",
    413: "The body is too large",
    415: "The body is not of a kind this operation takes",
    422: "Invalid input: `field` and `errors` name what to fix",
    429: "Too many failed logins: wait `Retry-After` seconds",
}
EXTRA_STATUSES: dict[tuple[str, str], set[int]] = {
    ("POST", "/api/auth/login"): {401, 429},
    ("POST", "/api/auth/refresh"): {401},
    # An undeclared photo id is 404 `photo.not_declared` even though the visit exists.
    ("PUT", "/api/visits/{visit_id}/photos/{photo_id}"): {415},
}
# Operations with two success statuses (Litestar documents the handler's default one): the other, same body.
OTHER_SUCCESS: dict[tuple[str, str], tuple[int, str]] = {
    ("PUT", "/api/visits/{visit_id}"): (201, "A new visit, stored: its receipt"),
    ("PUT", "/api/visits/{visit_id}/photos/{photo_id}"): (201, "This upload stored the photo: the visit's receipt"),
    ("POST", "/api/admin/instruments"): (200, "A replay of a stored version: nothing changed"),
    ("POST", "/api/admin/waves/{wave_id}/assignments"): (200, "A dry run: nothing was stored"),
}
# The sync routes decode their bodies themselves (a visit document, raw image bytes), so no handler signature
# tells Litestar what they take.
RAW_BODIES: dict[tuple[str, str], RequestBody] = {
    ("PUT", "/api/visits/{visit_id}"): RequestBody(
        required=True,
        description="The visit document (schemas/visit.schema.json).",
        content={"application/json": OpenAPIMediaType(schema=Reference("#/components/schemas/VisitDocument"))},
    ),
    ("PUT", "/api/visits/{visit_id}/photos/{photo_id}"): RequestBody(
        required=True,
        description="The photo's bytes, exactly as declared (size and sha256 in the visit document).",
        content={kind: OpenAPIMediaType(schema=_BYTES) for kind in PHOTO_TYPES},
    ),
}

_TEXT, _INTEGER = Schema(type=OpenAPIType.STRING), Schema(type=OpenAPIType.INTEGER)
# Answers whose body is not what the handler's return annotation says (a stream of the photo's own type).
RAW_ANSWERS: dict[tuple[str, str], dict[str, OpenAPIResponse]] = {
    ("GET", "/api/photos/{photo_id}/{variant}"): {
        "200": OpenAPIResponse(
            description="The photo: the original in its own type, display and thumb as JPEG",
            content={kind: OpenAPIMediaType(schema=_BYTES) for kind in PHOTO_TYPES},
        ),
        "304": OpenAPIResponse(description="Not modified: the copy named by If-None-Match is current"),
    },
    ("GET", "/api/waves/{wave_id}/results.geojson"): {
        "200": OpenAPIResponse(
            description="An attachment: a GeoJSON FeatureCollection, one Point per located unit with its score and "
            "zone",
            content={
                "application/geo+json": OpenAPIMediaType(
                    schema=Schema(
                        type=OpenAPIType.OBJECT,
                        required=["type", "features"],
                        properties={
                            "type": Schema(type=OpenAPIType.STRING, const="FeatureCollection"),
                            "features": Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.OBJECT)),
                        },
                    )
                )
            },
        ),
    },
}
PROBLEM_SCHEMA = Schema(
    type=OpenAPIType.OBJECT,
    description="An RFC 9457 problem. `code` is stable (e.g. `visit.conflict`); `detail` is for people. Some problems "
    "carry more members (e.g. `retry_after_s`, `max_bytes`).",
    required=["type", "title", "status", "code", "detail"],
    properties={
        "type": _TEXT,
        "title": _TEXT,
        "status": _INTEGER,
        "code": _TEXT,
        "detail": _TEXT,
        "instance": _TEXT,
        "field": Schema(type=OpenAPIType.STRING, description="the JSON path of the offending field"),
        "errors": Schema(type=OpenAPIType.ARRAY, items=Schema(type=OpenAPIType.OBJECT)),
    },
)


def document_problems(app: Litestar) -> None:
    """Complete the app's OpenAPI document (built here, once, and kept by Litestar for every request after)."""
    document = app.openapi_schema
    if document.components.schemas is None:
        document.components.schemas = {}
    document.components.schemas["Problem"] = PROBLEM_SCHEMA
    for schema in document.components.schemas.values():
        _any_of_for_numbers(schema)
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or not route.path.startswith("/api/"):
            continue
        path_item = (document.paths or {}).get(route.path_format)
        if path_item is None:
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods - {"HEAD", "OPTIONS"}:
                operation = getattr(path_item, method.lower(), None)
                if operation is not None:
                    guards = [guard for layer in handler.ownership_layers for guard in layer.guards or []]
                    _complete(operation, method, route.path_format, guards)


def _complete(operation: Operation, method: str, path: str, guards: list[Any]) -> None:
    if (method, path) in RAW_BODIES and operation.request_body is None:
        operation.request_body = RAW_BODIES[(method, path)]
    responses = operation.responses if operation.responses is not None else {}
    responses.update(RAW_ANSWERS.get((method, path), {}))
    if (method, path) in OTHER_SUCCESS:
        status, description = OTHER_SUCCESS[(method, path)]
        documented = next((answer for code, answer in responses.items() if code.startswith("2")), None)
        if isinstance(documented, OpenAPIResponse):
            responses[str(status)] = OpenAPIResponse(description=description, content=documented.content)
    for status in sorted(problem_statuses(operation, method, path, guards)):
        responses[str(status)] = OpenAPIResponse(
            description=DESCRIPTIONS[status],
            content={PROBLEM_JSON: OpenAPIMediaType(schema=Reference("#/components/schemas/Problem"))},
        )
    operation.responses = responses


def problem_statuses(operation: Operation, method: str, path: str, guards: list[Any]) -> set[int]:
    has_body = operation.request_body is not None
    has_parameters = bool(operation.parameters)
    statuses = set(EXTRA_STATUSES.get((method, path), set()))
    if has_body or has_parameters:
        statuses |= {400, 422}
    if not path.startswith(PUBLIC_PREFIXES):
        statuses.add(401)
    if any(guard is not anyone_logged_in for guard in guards):
        statuses.add(403)
    if "{" in path or any(_names_an_id(parameter) for parameter in operation.parameters or []):
        statuses.add(404)
    if method in CHANGING_METHODS and not path.startswith("/api/auth/"):
        statuses.add(409)
    if has_body:
        statuses.add(413)
        kinds = set(operation.request_body.content or {}) if isinstance(operation.request_body, RequestBody) else set()
        if kinds - {"application/json"}:
            statuses.add(415)
    return statuses


def _names_an_id(parameter: Any) -> bool:
    """A query parameter holding a uuid (alone or ``| None``): an id that may name nothing."""
    schema = getattr(parameter, "schema", None)
    choices = [schema, *(getattr(schema, "one_of", None) or []), *(getattr(schema, "any_of", None) or [])]
    return getattr(parameter, "param_in", None) == "query" and any(
        getattr(choice, "format", None) in ("uuid", OpenAPIFormat.UUID) for choice in choices
    )


def _any_of_for_numbers(schema: Any) -> None:
    """``int | float`` is documented as ``oneOf: [integer, number]``, which no integer satisfies (it is both):
    such a choice becomes ``anyOf``."""
    if not isinstance(schema, Schema):
        return
    choices = schema.one_of or []
    types = {str(getattr(getattr(choice, "type", None), "value", getattr(choice, "type", None))) for choice in choices}
    if {"integer", "number"} <= types:
        schema.any_of, schema.one_of = list(choices), None
    for child in [
        *(schema.any_of or []),
        *(schema.one_of or []),
        *(schema.all_of or []),
        *(schema.properties or {}).values(),
        schema.items,
    ]:
        _any_of_for_numbers(child)
