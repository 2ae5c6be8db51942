"""A Collect submission as the visit document the PWA would have sent for the same visit.

The document then takes the PWA's own road (``VisitService.put_visit``), so validation, idempotency, conflicts,
photo checks and integrity flags are the PWA's. What this module decides is only the translation:
- the visit id is ``meta/instanceID``; the assignment is the ``sidak_assignment`` answer; the revision is 1 (Collect
  cannot send a correction);
- answers by indicator id: the yes and the no (``yes``/``no`` or the indicator's own wording) → true/false, a 0–3
  scale → its integer, a number → int or float, a choice or a text as written; a value that does not fit is passed
  on as written, so the visit validator names it;
- a photo is the image element right after its indicator's, in its group, named ``<indicator>_photo`` (the XLSForm
  export's layout), with the sha256, size and type of the attached file as the server received it, and an id derived
  from the instance and file name, so a resubmission declares the very same photos;
- times: ``sidak_start`` and ``sidak_end``; each answer's and photo's time and place from the audit log's last
  event on its question; the positions are the audit log's located events.
"""

from __future__ import annotations

import csv
import io
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import cast

from server.domain.instruments.documents import Indicator, Instrument
from server.domain.instruments.xlsform_export import photo_field_name
from server.domain.openrosa.documents import Leaf, SubmissionXml
from server.domain.openrosa.xform import ASSIGNMENT_FIELD, END_FIELD, START_FIELD
from server.domain.visits.documents import (
    Answer,
    AnswerValue,
    PhotoContentType,
    PhotoDeclaration,
    Position,
    VisitDocument,
)
from server.lib.errors import OpenRosaAttachmentMissing, OpenRosaXmlInvalid

MAX_POSITIONS = 5000
_CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "heic": "image/heic",
    "heif": "image/heif",
}


@dataclass(frozen=True)
class AttachedFile:
    sha256: str
    size: int
    content_type: str


@dataclass(frozen=True)
class AuditEvent:
    event: str
    node: str
    start: datetime | None
    end: datetime | None
    lat: float | None
    lon: float | None
    accuracy_m: float | None

    @property
    def at(self) -> datetime | None:
        return self.end or self.start

    @property
    def is_located(self) -> bool:
        return self.lat is not None and self.lon is not None and self.start is not None


def referenced_files(submission: SubmissionXml, instrument: Instrument) -> dict[str, str]:
    """``file name → indicator id`` of the photos the submission names (the audit log is not among them)."""
    indicators = instrument.indicators()
    photos: dict[str, str] = {}
    previous: tuple[Indicator, str] | None = None
    for leaf in submission.leaves:
        indicator = indicators.get(leaf.name)
        if indicator is None and previous is not None and leaf.text and _is_photo_of(leaf, *previous):
            photos[leaf.text] = previous[0].id
        previous = (indicator, leaf.path) if indicator is not None else None
    return photos


def _is_photo_of(leaf: Leaf, indicator: Indicator, indicator_path: str) -> bool:
    """The export writes an indicator's image row right after it, in its group, named ``<indicator>_photo`` or the
    name the form's author gave it (``photo_field_name``)."""
    return (
        indicator.photo != "none"
        and (leaf.name.startswith(f"{indicator.id}_") or leaf.name == photo_field_name(indicator))
        and leaf.path.rsplit("/", 1)[0] == indicator_path.rsplit("/", 1)[0]
    )


def assignment_id(submission: SubmissionXml) -> uuid.UUID:
    text = submission.value(ASSIGNMENT_FIELD)
    try:
        return uuid.UUID(text)
    except ValueError:
        raise OpenRosaXmlInvalid(f"{ASSIGNMENT_FIELD} must name one of your assignments, not {text!r}.") from None


def visit_document(
    submission: SubmissionXml,
    instrument: Instrument,
    files: dict[str, AttachedFile],
    audit: list[AuditEvent],
) -> VisitDocument:
    """The visit document of a complete submission; ``files`` must hold every photo it names."""
    started_at, finished_at = _visit_times(submission, audit)
    last_event = _last_event_by_node(audit)
    indicators = instrument.indicators()
    answers = []
    for leaf in submission.leaves:
        indicator = indicators.get(leaf.name)
        if indicator is None or not leaf.text:
            continue
        event = last_event.get(leaf.path)
        answers.append(
            Answer(
                indicator=indicator.id,
                value=_answer_value(leaf.text, indicator),
                answered_at=(event.at if event and event.at else finished_at),
            )
        )
    photos = [
        _photo(submission.instance_id, filename, indicators[indicator_id], files, last_event, finished_at)
        for filename, indicator_id in referenced_files(submission, instrument).items()
    ]
    return VisitDocument(
        assignment_id=assignment_id(submission),
        revision=1,
        started_at=started_at,
        finished_at=finished_at,
        positions=_positions(audit),
        answers=answers,
        photos=photos,
    )


def _photo(
    instance_id: uuid.UUID,
    filename: str,
    indicator: Indicator,
    files: dict[str, AttachedFile],
    last_event: dict[str, AuditEvent],
    finished_at: datetime,
) -> PhotoDeclaration:
    indicator_id = indicator.id
    attached = files.get(filename)
    if attached is None:
        raise OpenRosaAttachmentMissing(
            f"The photo {filename} of indicator {indicator_id} did not arrive; send the form again.", field=filename
        )
    event = _photo_event(last_event, indicator)
    return PhotoDeclaration(
        id=photo_id(instance_id, filename),
        indicator=indicator_id,
        sha256=attached.sha256,
        size=attached.size,
        content_type=cast(PhotoContentType, attached.content_type),  # one of them: photo_content_type chose it
        taken_at=event.at if event and event.at else finished_at,
        lat=event.lat if event and event.is_located else None,
        lon=event.lon if event and event.is_located else None,
        accuracy_m=event.accuracy_m if event and event.is_located else None,
    )


def _photo_event(last_event: dict[str, AuditEvent], indicator: Indicator) -> AuditEvent | None:
    """The audit event of the image question after the indicator (named ``<indicator>_photo`` by the export, or as
    the form's author named it)."""
    names = (f"{indicator.id}_photo", photo_field_name(indicator))
    return next(
        (event for node, event in last_event.items() if node.rsplit("/", 1)[-1].startswith(names)),
        None,
    )


def photo_id(instance_id: uuid.UUID, filename: str) -> uuid.UUID:
    return uuid.uuid5(instance_id, filename)


def photo_content_type(filename: str, sent: str) -> str | None:
    """The image type of an attachment, from its part's Content-Type or else its file name; None if not an image."""
    declared = sent.split(";", 1)[0].strip().lower()
    if declared in _CONTENT_TYPES.values():
        return declared
    if declared in ("image/jpg", "image/pjpeg"):
        return "image/jpeg"
    return _CONTENT_TYPES.get(filename.rsplit(".", 1)[-1].lower()) if "." in filename else None


def _answer_value(text: str, indicator: Indicator) -> AnswerValue:
    match indicator.type:
        case "yes_no" if text in (values := _yes_no_values(indicator)):
            return values[text]
        case "scale_0_3" if text in ("0", "1", "2", "3"):
            return int(text)
        case "number":
            return _number(text)
    return text


def _yes_no_values(indicator: Indicator) -> dict[str, bool]:
    """The form's value of the yes and of the no: ``yes``/``no``, or the indicator's own two (the yes scores 1)."""
    if not indicator.choices:
        return {"yes": True, "no": False}
    return {choice.value: choice.score == 1 for choice in indicator.choices}


def _number(text: str) -> AnswerValue:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        return text
    return value if math.isfinite(value) else text


def _visit_times(submission: SubmissionXml, audit: list[AuditEvent]) -> tuple[datetime, datetime]:
    times = [event.at for event in audit if event.at is not None]
    started_at = _time(submission.value(START_FIELD)) or (min(times) if times else None)
    finished_at = _time(submission.value(END_FIELD)) or (max(times) if times else None)
    if started_at is None or finished_at is None:
        raise OpenRosaXmlInvalid(
            "The submission has no start and end time (the form's `sidak_start` and `sidak_end` fields)."
        )
    return started_at, finished_at


def _time(text: str) -> datetime | None:
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise OpenRosaXmlInvalid(f"{text!r} is not a date and time.") from None
    return moment if moment.tzinfo is not None else None


def _last_event_by_node(audit: list[AuditEvent]) -> dict[str, AuditEvent]:
    """The last question event per field path relative to the root (``A/A01``), as the submission's leaves name
    them."""
    last: dict[str, AuditEvent] = {}
    for event in audit:
        if event.event == "question" and event.node:
            path = event.node.strip("/").split("/", 1)[-1]
            if path:
                last[path] = event
    return last


def _positions(audit: list[AuditEvent]) -> list[Position]:
    seen: set[tuple[float, float, datetime]] = set()
    positions = []
    for event in sorted((e for e in audit if e.is_located), key=lambda e: e.start or datetime.min.replace(tzinfo=UTC)):
        assert event.lat is not None and event.lon is not None and event.start is not None
        key = (event.lat, event.lon, event.start)
        if key in seen or not (-90 <= event.lat <= 90 and -180 <= event.lon <= 180):
            continue
        seen.add(key)
        accuracy = event.accuracy_m if event.accuracy_m is not None and 0 <= event.accuracy_m <= 100_000 else 100_000
        positions.append(Position(lat=event.lat, lon=event.lon, accuracy_m=accuracy, at=event.start))
    return positions[:MAX_POSITIONS]


def parse_audit_log(data: bytes) -> list[AuditEvent]:
    """Collect's ``audit.csv``: event, node, start, end (epoch ms) and, with location tracking, latitude, longitude
    and accuracy. Unreadable rows are skipped: the log is evidence to weigh, not a reason to refuse a visit."""
    text = data.decode("utf-8", errors="replace")
    events = []
    for row in csv.DictReader(io.StringIO(text)):
        events.append(
            AuditEvent(
                event=(row.get("event") or "").strip(),
                node=(row.get("node") or "").strip(),
                start=_epoch_ms(row.get("start")),
                end=_epoch_ms(row.get("end")),
                lat=_float(row.get("latitude")),
                lon=_float(row.get("longitude")),
                accuracy_m=_float(row.get("accuracy")),
            )
        )
    return events


def _epoch_ms(text: str | None) -> datetime | None:
    value = _float(text)
    if value is None or not 0 < value < 32503680000000:  # before the year 3000
        return None
    return datetime.fromtimestamp(value / 1000, UTC)


def _float(text: str | None) -> float | None:
    try:
        value = float(text or "")
    except ValueError:
        return None
    return value if math.isfinite(value) else None
