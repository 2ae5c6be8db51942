"""Uploaded files (a CSV of units, an instrument document or workbook): read from the raw body or a multipart form,
and documented in OpenAPI by hand, since the handler reads the body itself."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
)

from server.lib.errors import MalformedRequest, PayloadTooLarge, UnsupportedMediaType

# Litestar's own cap on a body read for an upload route; the setting (e.g. max_csv_bytes) is checked below it.
UPLOAD_HARD_LIMIT_BYTES = 64 * 1024 * 1024

BINARY_SCHEMA = Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
FILE_FORM_SCHEMA = Schema(type=OpenAPIType.OBJECT, properties={"file": BINARY_SCHEMA})
Kind = TypeVar("Kind", bound=str)


async def read_upload(
    request: Request[Any, Any, Any], *, kinds: Mapping[str, Kind], file_kinds: Mapping[str, Kind], max_bytes: int
) -> tuple[bytes, Kind]:
    """An uploaded file, sent either as the raw body with its content type or as the one file of a multipart form;
    returns its bytes and its kind (looked up in ``kinds`` by content type, else in ``file_kinds`` by extension)."""
    announced = request.headers.get("content-length", "")
    if announced.isdigit() and int(announced) > max_bytes:
        raise PayloadTooLarge(f"The upload is larger than {max_bytes} bytes.")
    content_type, _ = request.content_type
    if content_type == "multipart/form-data":
        upload = next(
            (value for _, value in (await request.form()).multi_items() if isinstance(value, UploadFile)), None
        )
        if upload is None:
            raise MalformedRequest("The form holds no file; send the file as a form field such as `file`.")
        body = await upload.read()
        kind = kinds.get(upload.content_type) or _kind_by_extension(upload.filename, file_kinds)
    else:
        body = await request.body()
        kind = kinds.get(content_type)
    if kind is None:
        accepted = [*sorted(set(kinds)), *(f"a multipart form with a {extension} file" for extension in file_kinds)]
        raise UnsupportedMediaType(
            f"Send one of: {', '.join(sorted(set(kinds)))}, or a multipart form with a "
            f"{'/'.join(sorted(file_kinds))} file.",
            errors=[{"field": "file", "message": f"accepted: {', '.join(accepted)}"}],
        )
    if len(body) > max_bytes:
        raise PayloadTooLarge(f"The upload is larger than {max_bytes} bytes.")
    return body, kind


def _kind_by_extension(filename: str | None, file_kinds: Mapping[str, Kind]) -> Kind | None:
    name = (filename or "").lower()
    return next((kind for extension, kind in file_kinds.items() if name.endswith(extension)), None)


def raw_body_operation(description: str, content: dict[str, Schema | Reference]) -> type[Operation]:
    """An OpenAPI operation whose request body is documented by hand (the handler reads the raw body itself)."""

    @dataclass
    class RawBodyOperation(Operation):
        def __post_init__(self) -> None:
            self.request_body = RequestBody(
                required=True,
                description=description,
                content={media_type: OpenAPIMediaType(schema=schema) for media_type, schema in content.items()},
            )

    return RawBodyOperation
