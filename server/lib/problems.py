"""The one place errors become RFC 9457 ``application/problem+json``. No traceback ever reaches a client."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from sqlalchemy.exc import DBAPIError, IntegrityError

from server.lib.errors import (
    DomainError,
    DuplicateKey,
    Forbidden,
    InvalidInput,
    MalformedRequest,
    MethodNotAllowed,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    ServerError,
    TooManyAttempts,
    UnsupportedMediaType,
)

log = logging.getLogger("sidak.errors")
PROBLEM_JSON = "application/problem+json"

_HTTP_STATUS_ERRORS: dict[int, type[DomainError]] = {
    400: MalformedRequest,
    401: NotAuthenticated,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    429: TooManyAttempts,
}


def problem_response(error: DomainError, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    return Response(
        content=error.as_problem(instance=request.url.path),
        status_code=error.status,
        media_type=PROBLEM_JSON,
        headers=error.headers or None,
    )


def _validation_error(exc: ValidationException) -> DomainError:
    detail = str(exc.detail)
    if detail.startswith("JSON is malformed") or "malformed" in detail.lower():
        return MalformedRequest(f"The request body is not valid JSON: {detail.split(':', 1)[-1].strip()}")
    problems = exc.extra if isinstance(exc.extra, list) else []
    errors = [
        {"field": _field_path(item.get("key"), str(item.get("message", ""))), "message": str(item.get("message", ""))}
        for item in problems
        if isinstance(item, dict)
    ]
    first = errors[0] if errors else None
    message = f"{first['field']}: {first['message']}" if first and first["field"] else (first or {}).get("message")
    return InvalidInput(
        message or "The request is not valid.", field=first["field"] if first else None, errors=errors or None
    )


_NAMED_FIELD = re.compile(r"(?:missing required|unknown) field `([^`]+)`")
_PATH_SUFFIX = re.compile(r"\s*-\s*at `(?P<path>\$[^`]*)`$")


def _field_path(key: Any, message: str) -> str | None:
    """The JSON path of the offending field. Litestar names the whole body ``data``; for a missing or unknown
    field the field's own name is only in msgspec's message."""
    parent = re.sub(r"^\$\.?", "", str(key or ""))
    parent = "" if parent == "data" else parent
    named = _NAMED_FIELD.search(message)
    if named:
        return f"{parent}.{named.group(1)}" if parent else named.group(1)
    return parent or None


def message_and_field(validation_error: str) -> tuple[str, str | None]:
    """Split msgspec's "Expected `int`, got `str` - at `$.answers[0].value`" into message and field path."""
    suffix = _PATH_SUFFIX.search(validation_error)
    message = validation_error[: suffix.start()] if suffix else validation_error
    return message, _field_path(suffix.group("path") if suffix else "", message)


def on_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[dict[str, Any]]:
    return problem_response(exc, request)


def on_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    if isinstance(exc, ValidationException):
        return problem_response(_validation_error(exc), request)
    if exc.status_code >= 500:
        return on_unexpected(request, exc)
    error_type = _HTTP_STATUS_ERRORS.get(exc.status_code, MalformedRequest)
    return problem_response(error_type(str(exc.detail), headers=dict(exc.headers or {})), request)


def on_integrity_error(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[dict[str, Any]]:
    # Services check what they can first; this is the safety net for a race that a constraint settled.
    log.info("integrity error on %s %s: %s", request.method, request.url.path, exc.orig)
    return problem_response(
        DuplicateKey("That conflicts with something stored at the same moment; try again."), request
    )


def on_value_out_of_range(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    # A number past what a column holds (e.g. a revision of 2**70) reaches the driver, which refuses it: SQLite's
    # with OverflowError, PostgreSQL's with a data exception. The request is at fault, not the server.
    log.info("value out of range on %s %s: %s", request.method, request.url.path, exc)
    return problem_response(InvalidInput("A number or a text in the request is larger than can be stored."), request)


def on_database_error(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[dict[str, Any]]:
    if _is_data_exception(exc):
        return on_value_out_of_range(request, exc)
    return on_unexpected(request, exc)


def _is_data_exception(exc: BaseException) -> bool:
    """Whether the driver refused a value (SQLSTATE class 22, which asyncpg and psycopg raise as DataError)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if any(kind.__name__ == "DataError" for kind in type(current).__mro__):
            return True
        current = getattr(current, "orig", None) or current.__cause__
    return False


def on_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(ServerError("Something went wrong on the server; nothing was changed. Try again."), request)


EXCEPTION_HANDLERS = {
    DomainError: on_domain_error,
    ValidationException: on_http_exception,
    HTTPException: on_http_exception,
    IntegrityError: on_integrity_error,
    DBAPIError: on_database_error,
    OverflowError: on_value_out_of_range,
    Exception: on_unexpected,
}
