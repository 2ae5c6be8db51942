"""One tree of domain errors. Each carries a stable dotted ``code``, an HTTP ``status`` and a human ``detail``.

They are raised by services and pure modules and rendered as RFC 9457 problem+json in exactly one place
(``server.lib.problems``); nothing here knows about HTTP frameworks.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    code: ClassVar[str] = "error"
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra

    def as_problem(self, instance: str | None = None) -> dict[str, Any]:
        problem: dict[str, Any] = {
            "type": f"https://sidak.dev/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
        }
        if instance:
            problem["instance"] = instance
        if self.field:
            problem["field"] = self.field
        if self.errors:
            problem["errors"] = self.errors
        problem.update(self.extra)
        return problem


class InvalidInput(DomainError):
    code = "request.invalid"
    status = 422
    title = "Invalid input"


class MalformedRequest(DomainError):
    code = "request.malformed"
    status = 400
    title = "Malformed request"


class NotAuthenticated(DomainError):
    code = "auth.required"
    status = 401
    title = "Not authenticated"


class InvalidCredentials(NotAuthenticated):
    code = "auth.invalid_credentials"


class TokenInvalid(NotAuthenticated):
    code = "auth.token_invalid"


class TooManyAttempts(DomainError):
    code = "auth.throttled"
    status = 429
    title = "Too many attempts"


class Forbidden(DomainError):
    code = "auth.forbidden"
    status = 403
    title = "Forbidden"


class NotFound(DomainError):
    code = "not_found"
    status = 404
    title = "Not found"


class Conflict(DomainError):
    code = "conflict"
    status = 409
    title = "Conflict"


class DuplicateKey(Conflict):
    code = "duplicate"


class PayloadTooLarge(DomainError):
    code = "request.too_large"
    status = 413
    title = "Payload too large"


class UnsupportedMediaType(DomainError):
    code = "request.unsupported_media_type"
    status = 415
    title = "Unsupported media type"


# --- sync and photos -------------------------------------------------------------------------------------------


class VisitConflict(Conflict):
    code = "visit.conflict"


class VisitInvalid(InvalidInput):
    code = "visit.invalid"


class AssignmentForbidden(Forbidden):
    code = "visit.assignment_forbidden"


class PhotoHashMismatch(InvalidInput):
    code = "photo.hash_mismatch"


class PhotoNotDeclared(NotFound):
    code = "photo.not_declared"


class PhotoTooLarge(PayloadTooLarge):
    code = "photo.too_large"


class PhotoNotAnImage(UnsupportedMediaType):
    code = "photo.not_an_image"


# --- instruments, waves, review ---------------------------------------------------------------------------------


class InstrumentInvalid(InvalidInput):
    code = "instrument.invalid"


class InstrumentImmutable(Conflict):
    code = "instrument.immutable"


class WorkbookTooLarge(PayloadTooLarge):
    """An uploaded workbook past a size bound (compressed, or inflated per part or in total)."""

    code = "instrument.workbook_too_large"


class WorkbookUnreadable(InstrumentInvalid):
    """An uploaded workbook that is damaged, or past a count or time bound (parts, sheets, rows, columns, seconds)."""

    code = "instrument.workbook_unreadable"


class WaveStateConflict(Conflict):
    code = "wave.state"


class ReviewConflict(Conflict):
    code = "review.conflict"


class ReviewInvalid(InvalidInput):
    code = "review.invalid"


# --- transport ------------------------------------------------------------------------------------------------


class MethodNotAllowed(DomainError):
    code = "request.method_not_allowed"
    status = 405
    title = "Method not allowed"


class ServerError(DomainError):
    code = "server.error"
    status = 500
    title = "Internal server error"


class PhotoUnreadable(InvalidInput):
    """The bytes start like a supported image but cannot be decoded (truncated or damaged data)."""

    code = "photo.unreadable"


class PhotoContentTypeMismatch(UnsupportedMediaType):
    """The upload's Content-Type is not an image type, or not the kind of image its declaration names."""

    code = "photo.content_type"


class AssignmentVisited(Conflict):
    """An assignment a visit was already sent for: it is the visit's evidence of who was sent where, so it stays."""

    code = "assignment.visited"


# --- ODK Collect (OpenRosa) -------------------------------------------------------------------------------------


class CollectKeyRefused(Forbidden):
    """An OpenRosa request whose key is unknown or revoked: 403 rather than 401, which makes Collect ask for a
    password that does not exist."""

    code = "openrosa.key_refused"


class OpenRosaXmlInvalid(MalformedRequest):
    code = "openrosa.xml_invalid"


class OpenRosaAttachmentMissing(InvalidInput):
    code = "openrosa.attachment_missing"


class OpenRosaFormMismatch(InvalidInput):
    """The submission's form or version is not the one of the assignment it names."""

    code = "openrosa.form_mismatch"
