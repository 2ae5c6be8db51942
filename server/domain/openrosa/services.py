"""Collect keys (issued and revoked in the console) and the OpenRosa use cases: form list, form, manifest, the
assignment list, and a submission becoming a visit through the PWA's own ``VisitService.put_visit``.

A submission is checked in full before anything is stored (its XML, key, assignment, form version and every photo it
names), then the visit is stored and committed exactly as a PWA PUT would, and then each photo goes through
``PhotoService.put_photo`` as a PWA photo PUT would, each committed on its own: the photo service reads the
declaration in a session of its own, so it must see the visit committed. A submission Collect split over several
POSTs (``*isIncomplete*``) keeps its attachments in ``openrosa_staged_files`` until the POST that completes it.
"""

from __future__ import annotations

import csv
import hashlib
import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.assignments.queries import OpenAssignmentRow, assignments_in_waves, latest_visits
from server.domain.audit.services import AuditLog
from server.domain.instruments.documents import Instrument
from server.domain.openrosa import queries
from server.domain.openrosa.collect_settings import (
    is_well_formed_key,
    key_hash,
    new_key,
    qr_svg,
    settings_payload,
)
from server.domain.openrosa.documents import FormEntry, MediaFile, SubmissionXml, parse_submission
from server.domain.openrosa.mapping import (
    AttachedFile,
    assignment_id,
    parse_audit_log,
    photo_content_type,
    photo_id,
    referenced_files,
    visit_document,
)
from server.domain.openrosa.xform import ASSIGNMENTS_FILE, collect_xform, form_id, form_id_of
from server.domain.photos.services import PhotoService
from server.domain.visits.flags_service import load_instrument
from server.domain.visits.queries import latest_reviews
from server.domain.visits.services import OPEN_WAVE_STATUSES, VisitService
from server.lib import clock
from server.lib.auth import Principal
from server.lib.errors import (
    AssignmentForbidden,
    CollectKeyRefused,
    Forbidden,
    NotFound,
    OpenRosaAttachmentMissing,
    OpenRosaFormMismatch,
    PhotoTooLarge,
    UnsupportedMediaType,
    VisitConflict,
    VisitInvalid,
)

PROJECT_NAME = "Sidak"
STAGED_FILES_KEPT = timedelta(days=30)
# What a returned visit's assignment says in Collect's list, before the supervisor's comment.
RETURNED_NOTE = "DIKEMBALIKAN, perbaiki di aplikasi Sidak"
MAX_LABEL_CHARS = 300


@dataclass(frozen=True)
class Upload:
    """One file part of a submission POST."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class IssuedKey:
    surveyor_id: uuid.UUID
    server_url: str
    settings: str
    qr_svg: str
    issued_at: datetime


@dataclass(frozen=True)
class SurveyorKey:
    surveyor_id: uuid.UUID
    username: str
    display_name: str
    key_issued_at: datetime | None


@dataclass(frozen=True)
class _CollectForm:
    instrument: Instrument
    xform: str
    md5: str


# Instruments never change once stored, so their XForm is made once per process (pyxform takes ~0.1 s a form).
_xforms: dict[tuple[str, str], tuple[str, str]] = {}
_XFORM_CACHE_SIZE = 32


def _xform_of(instrument: Instrument) -> tuple[str, str]:
    cached = _xforms.get((instrument.key, instrument.version))
    if cached is None:
        xform = collect_xform(instrument)
        cached = (xform, hashlib.md5(xform.encode(), usedforsecurity=False).hexdigest())
        if len(_xforms) >= _XFORM_CACHE_SIZE:
            _xforms.clear()
        _xforms[(instrument.key, instrument.version)] = cached
    return cached


def openrosa_base_url(root_url: str, key: str) -> str:
    return f"{root_url.rstrip('/')}/api/openrosa/{key}"


# --- the console: issue and revoke keys --------------------------------------------------------------------------


class CollectKeyService:
    def __init__(self, session: AsyncSession, principal: Principal) -> None:
        self.session = session
        self.principal = principal

    async def surveyors(self) -> list[SurveyorKey]:
        scope = None if self.principal.is_admin else self.principal.id
        return [
            SurveyorKey(
                surveyor_id=row.id, username=row.username, display_name=row.display_name, key_issued_at=row.created_at
            )
            for row in await queries.surveyors_with_keys(self.session, scope)
        ]

    async def issue(self, surveyor_id: uuid.UUID, root_url: str) -> IssuedKey:
        """A new key for the surveyor (their previous key stops working), with the QR code that carries it."""
        surveyor = await self._surveyor_in_scope(surveyor_id)
        now = clock.now()
        revoked = await queries.revoke_keys_of(self.session, surveyor_id, by=self.principal.id, at=now)
        key = new_key()
        key_id = uuid.uuid4()
        await queries.insert_key(
            self.session,
            {
                "id": key_id,
                "user_id": surveyor_id,
                "token_hash": key_hash(key),
                "created_at": now,
                "created_by": self.principal.id,
            },
        )
        await AuditLog(self.session).record(
            "collect_key.issued",
            entity_type="user",
            entity_id=surveyor_id,
            actor_id=self.principal.id,
            data={"key_id": key_id, "revoked_before": revoked},
        )
        server_url = openrosa_base_url(root_url, key)
        payload = settings_payload(server_url, project_name=PROJECT_NAME, surveyor_name=surveyor.display_name)
        return IssuedKey(
            surveyor_id=surveyor_id, server_url=server_url, settings=payload, qr_svg=qr_svg(payload), issued_at=now
        )

    async def revoke(self, surveyor_id: uuid.UUID) -> None:
        await self._surveyor_in_scope(surveyor_id)
        revoked = await queries.revoke_keys_of(self.session, surveyor_id, by=self.principal.id, at=clock.now())
        if revoked:
            await AuditLog(self.session).record(
                "collect_key.revoked",
                entity_type="user",
                entity_id=surveyor_id,
                actor_id=self.principal.id,
                data={"keys": revoked},
            )

    async def _surveyor_in_scope(self, surveyor_id: uuid.UUID) -> queries.User:
        surveyor = await queries.surveyor(self.session, surveyor_id)
        if surveyor is None or surveyor.role != "surveyor" or not surveyor.is_active:
            raise NotFound(f"No active surveyor {surveyor_id}.")
        if not self.principal.is_admin and not await queries.surveyor_works_in_regions_of(
            self.session, surveyor_id, self.principal.id
        ):
            raise Forbidden("This surveyor has no assignment in your regions.")
        return surveyor


# --- OpenRosa ------------------------------------------------------------------------------------------------------


class OpenRosaService:
    def __init__(self, session: AsyncSession, key: str, photos: PhotoService | None = None) -> None:
        self.session = session
        self.key = key
        self.photos = photos
        self._surveyor: Principal | None = None

    async def surveyor(self) -> Principal:
        """Who the key belongs to; 403 for an unknown or revoked key, before anything else is read or written."""
        if self._surveyor is not None:
            return self._surveyor
        row = await queries.key_holder(self.session, key_hash(self.key)) if is_well_formed_key(self.key) else None
        if row is None:
            raise CollectKeyRefused("This Collect key is not known; scan the QR code your supervisor gives you.")
        if row.revoked_at is not None or not row.is_active:
            raise CollectKeyRefused("This Collect key was revoked; ask your supervisor for a new QR code.")
        self._surveyor = Principal(id=row.id, username=row.username, role=row.role)
        return self._surveyor

    async def form_list(self, root_url: str) -> list[FormEntry]:
        base = openrosa_base_url(root_url, self.key)
        entries = []
        for form in (await self._forms()).values():
            name = form_id(form.instrument)
            entries.append(
                FormEntry(
                    form_id=name,
                    name=form.instrument.title.id,
                    version=form.instrument.version,
                    md5=form.md5,
                    download_url=f"{base}/forms/{name}/form.xml",
                    manifest_url=f"{base}/forms/{name}/manifest",
                )
            )
        return entries

    async def xform(self, name: str) -> str:
        return (await self._form(name)).xform

    async def manifest(self, name: str, root_url: str) -> list[MediaFile]:
        await self._form(name)
        data = await self.assignments_csv(name)
        return [
            MediaFile(
                filename=ASSIGNMENTS_FILE,
                md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
                download_url=f"{openrosa_base_url(root_url, self.key)}/forms/{name}/{ASSIGNMENTS_FILE}",
            )
        ]

    async def assignments_csv(self, name: str) -> bytes:
        """The surveyor's open assignments of this form's instrument: what ``sidak_assignment`` offers. An assignment
        whose visit was returned says so in its label, with the supervisor's comment: Collect cannot take the
        correction, the Sidak app can, and the changed list reaches Collect at its next form update."""
        surveyor = await self.surveyor()
        rows = [
            row
            for row in await assignments_in_waves(self.session, surveyor.id, OPEN_WAVE_STATUSES)
            if form_id_of(row.Instrument.key, row.Instrument.version) == name
        ]
        returned = await self._returned_comments(surveyor, [row.Assignment.id for row in rows])
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["name", "label", "address", "lat", "lon", "geometry"])
        for row in rows:
            unit = row.Unit
            has_place = unit.lat is not None and unit.lon is not None
            label = f"{unit.name} ({row.Agency.name})"
            if row.Assignment.id in returned:
                label = f"{label} — {RETURNED_NOTE}: {returned[row.Assignment.id]}"[:MAX_LABEL_CHARS]
            writer.writerow(
                [
                    str(row.Assignment.id),
                    label,
                    unit.address,
                    unit.lat if has_place else "",
                    unit.lon if has_place else "",
                    f"{unit.lat} {unit.lon} 0 0" if has_place else "",
                ]
            )
        return buffer.getvalue().encode()

    async def _returned_comments(self, surveyor: Principal, assignment_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        """``assignment id → the supervisor's comment`` of assignments whose latest visit is returned."""
        latest = await latest_visits(self.session, surveyor.id, assignment_ids)
        returned = {
            visit_id: assignment_id for assignment_id, (visit_id, status) in latest.items() if status == "returned"
        }
        reviews = await latest_reviews(self.session, list(returned))
        return {
            assignment_id: " ".join((review.comment or "").split()) if (review := reviews.get(visit_id)) else ""
            for visit_id, assignment_id in returned.items()
        }

    async def _forms(self) -> dict[str, _CollectForm]:
        surveyor = await self.surveyor()
        forms: dict[str, _CollectForm] = {}
        for row in await assignments_in_waves(self.session, surveyor.id, OPEN_WAVE_STATUSES):
            name = form_id_of(row.Instrument.key, row.Instrument.version)
            if name not in forms:
                instrument = _instrument_of(row)
                xform, md5 = _xform_of(instrument)
                forms[name] = _CollectForm(instrument=instrument, xform=xform, md5=md5)
        return forms

    async def _form(self, name: str) -> _CollectForm:
        form = (await self._forms()).get(name)
        if form is None:
            raise NotFound(f"No form {name} among your open assignments.")
        return form

    # --- POST …/submission -----------------------------------------------------------------------------------------

    async def submit(self, xml: bytes, uploads: list[Upload], *, is_incomplete: bool, client: str) -> str:
        """Store the submission as a visit (or keep its attachments until the rest arrives); the message for Collect."""
        surveyor = await self.surveyor()
        submission = parse_submission(xml)
        if submission.deprecated_id:
            raise OpenRosaFormMismatch(
                "Sidak does not take edited submissions from Collect; a supervisor returns a visit for correction "
                "and the surveyor corrects it in the Sidak app."
            )
        xml_sha256 = hashlib.sha256(xml).hexdigest()
        stored_sha256 = await queries.submission_xml_hash(self.session, submission.instance_id)
        instrument = await self._instrument_for(submission, surveyor)
        files = {upload.filename: upload for upload in uploads}
        if stored_sha256 is not None:
            # Central's rule: a stored instance sent again with other XML is a conflict; with the same XML it is a
            # replay that may bring photos still missing (Collect resends when it lost an answer).
            if stored_sha256 != xml_sha256:
                raise VisitConflict(
                    f"A different submission with instanceID {submission.instance_id} is already stored; "
                    "a change needs a new form."
                )
            await self._store_missing_photos(submission, instrument, files, surveyor)
            return "Visit already received."
        photo_names = referenced_files(submission, instrument)
        audit_name = submission.value("audit")
        wanted = set(photo_names) | ({audit_name} if audit_name else set())
        if wanted - set(files):
            files = await self._with_staged(submission.instance_id, surveyor.id, files)
        missing = sorted(wanted - set(files))
        if missing and is_incomplete:
            await self._stage(submission.instance_id, surveyor.id, uploads, wanted)
            return f"Received part of the submission; waiting for {len(missing)} more file(s)."
        if missing:
            raise OpenRosaAttachmentMissing(
                f"The file(s) {', '.join(missing)} named by the form did not arrive; send the form again.",
                field=missing[0],
            )
        attached = {name: self._attached(files[name]) for name in photo_names}
        audit = parse_audit_log(files[audit_name].data) if audit_name else []
        doc = visit_document(submission, instrument, attached, audit)
        outcome = await VisitService(self.session).put_visit(submission.instance_id, doc, surveyor)
        await queries.insert_submission(
            self.session,
            {
                "visit_id": submission.instance_id,
                "xml_sha256": xml_sha256,
                "client": client,
                "received_at": clock.now(),
            },
        )
        await queries.drop_staged_files(self.session, submission.instance_id, surveyor.id)
        await self.session.commit()
        await self._store_photos(submission, photo_names, files, set(outcome.receipt.missing_photos), surveyor)
        return "Visit received." if outcome.created else "Visit already received."

    async def _store_missing_photos(
        self, submission: SubmissionXml, instrument: Instrument, files: dict[str, Upload], surveyor: Principal
    ) -> None:
        """A replay's photos that the stored visit still misses, each through the photo service."""
        receipt = await VisitService(self.session).receipt(submission.instance_id, surveyor_view=True)
        names = {
            name: indicator for name, indicator in referenced_files(submission, instrument).items() if name in files
        }
        for name in names:
            self._attached(files[name])  # refused before anything is stored, as for a first submission
        await self.session.commit()
        await self._store_photos(submission, names, files, set(receipt.missing_photos), surveyor)

    async def _store_photos(
        self,
        submission: SubmissionXml,
        photo_names: dict[str, str],
        files: dict[str, Upload],
        waiting: set[uuid.UUID],
        surveyor: Principal,
    ) -> None:
        for name in photo_names:
            declared_id = photo_id(submission.instance_id, name)
            if declared_id in waiting:
                await self._store_photo(submission.instance_id, declared_id, files[name], surveyor)

    async def _instrument_for(self, submission: SubmissionXml, surveyor: Principal) -> Instrument:
        """The instrument of the assignment the submission names, checked against the form it was filled in."""
        named = assignment_id(submission)
        row = await queries.assignment_instrument(self.session, named)
        if row is None:
            raise VisitInvalid(f"sidak_assignment: no assignment {named} exists.", field="sidak_assignment")
        if row.surveyor_id != surveyor.id:
            raise AssignmentForbidden("This assignment belongs to another surveyor.", field="sidak_assignment")
        instrument = await load_instrument(self.session, row.id)
        expected = form_id(instrument)
        if submission.form_id != expected or submission.form_version != instrument.version:
            raise OpenRosaFormMismatch(
                f"The form {submission.form_id} version {submission.form_version or '?'} is not this assignment's "
                f"form ({expected} version {instrument.version}); update the forms in Collect and fill it in again."
            )
        return instrument

    async def _with_staged(
        self, instance_id: uuid.UUID, user_id: uuid.UUID, files: dict[str, Upload]
    ) -> dict[str, Upload]:
        staged = await queries.staged_files(self.session, instance_id, user_id)
        earlier = {name: Upload(name, content_type, data) for name, (content_type, data) in staged.items()}
        return earlier | files

    async def _stage(self, instance_id: uuid.UUID, user_id: uuid.UUID, uploads: list[Upload], wanted: set[str]) -> None:
        already = set(await queries.staged_files(self.session, instance_id, user_id))
        now = clock.now()
        # A split submission whose last part never came (the form was deleted on the phone) is forgotten in time.
        await queries.drop_staged_files_before(self.session, now - STAGED_FILES_KEPT)
        await queries.stage_files(
            self.session,
            [
                {
                    "instance_id": instance_id,
                    "filename": upload.filename,
                    "user_id": user_id,
                    "content_type": upload.content_type,
                    "data": upload.data,
                    "received_at": now,
                }
                for upload in uploads
                if upload.filename in wanted and upload.filename not in already
            ],
        )

    def _attached(self, upload: Upload) -> AttachedFile:
        """An attached photo's facts, refused before the visit is stored if the photo service would refuse it."""
        assert self.photos is not None, "a submission needs the photo service"
        content_type = photo_content_type(upload.filename, upload.content_type)
        if content_type is None:
            raise UnsupportedMediaType(f"The attachment {upload.filename} is not a JPEG, PNG, WebP or HEIC photo.")
        max_bytes = self.photos.settings.max_photo_bytes
        if len(upload.data) > max_bytes:
            raise PhotoTooLarge(f"The photo {upload.filename} is larger than {max_bytes} bytes.", max_bytes=max_bytes)
        return AttachedFile(
            sha256=hashlib.sha256(upload.data).hexdigest(), size=len(upload.data), content_type=content_type
        )

    async def _store_photo(self, visit_id: uuid.UUID, photo_id: uuid.UUID, upload: Upload, surveyor: Principal) -> None:
        assert self.photos is not None, "a submission needs the photo service"
        await self.photos.put_photo(
            visit_id,
            photo_id,
            surveyor,
            content_type=photo_content_type(upload.filename, upload.content_type) or "",
            content_length=len(upload.data),
            body=_chunks(upload.data),
        )
        await self.session.commit()


def _instrument_of(row: OpenAssignmentRow) -> Instrument:
    return msgspec.convert(row.Instrument.document, Instrument)


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data
