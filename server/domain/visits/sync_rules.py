"""What the server does with a visit document a phone PUTs (docs/contract.md, "Visit PUT").

Modelled on ODK Central's instanceID rule ("stored and identical → harmless replay; stored and different →
conflict"), stricter where it bit users: a phone may only send a new revision of a visit a supervisor has returned.
``decide`` is the whole rule; the service turns its answer into a transaction and an HTTP status.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import ClassVar

import msgspec

from server.domain.visits.documents import VisitDocument, VisitStatus


@dataclass(frozen=True)
class StoredVisit:
    revision: int
    status: VisitStatus
    content_hash: str


@dataclass(frozen=True)
class IncomingVisit:
    revision: int
    content_hash: str


@dataclass(frozen=True)
class Accept:
    """A visit id the server has never seen: store it."""

    http_status: ClassVar[int] = 201


@dataclass(frozen=True)
class Replay:
    """The phone re-sent what is already stored (it lost our answer): store nothing, answer the same receipt."""

    http_status: ClassVar[int] = 200


@dataclass(frozen=True)
class Revise:
    """A corrected revision of a returned visit: replace the document, review starts again."""

    http_status: ClassVar[int] = 200


@dataclass(frozen=True)
class Conflict:
    """Refuse and keep what is stored; ``reason`` is shown to the person whose phone sent it."""

    reason: str
    http_status: ClassVar[int] = 409


Decision = Accept | Replay | Revise | Conflict


def decide(stored: StoredVisit | None, incoming: IncomingVisit) -> Decision:
    if stored is None:
        return Accept()
    if incoming.revision == stored.revision:
        if incoming.content_hash == stored.content_hash:
            return Replay()
        return Conflict(
            f"Revision {stored.revision} of this visit is already stored with different content; "
            "a change needs a new revision."
        )
    if incoming.revision < stored.revision:
        return Conflict(f"Revision {incoming.revision} is older than the stored revision {stored.revision}.")
    if stored.status == "returned":
        return Revise()
    return Conflict(
        f"The visit is {stored.status}; a new revision is accepted only after a supervisor returns it for correction."
    )


def canonical_visit_hash(doc: VisitDocument) -> str:
    """sha256 (hex) of the document as the server understands it, not as the phone spelled it.

    Two PUTs that decode to the same document hash the same: key order, whitespace, omitted defaults, UUID case and
    the offset a time was written in ("+07:00" or "Z" for one instant) do not matter. Numbers are kept as decoded,
    so ``1`` and ``1.0`` differ — they are different answer values to the validator too.
    """
    # Struct order is fixed and msgspec writes every field (these structs do not omit defaults), so the encoding
    # depends only on the decoded values once every time is moved to UTC. Copies with UTC times, not a walk over
    # the document as plain data: the hash is taken on every PUT, and the walk cost more than storing the answers.
    in_utc = msgspec.structs.replace(
        doc,
        started_at=_utc(doc.started_at),
        finished_at=_utc(doc.finished_at),
        positions=[msgspec.structs.replace(position, at=_utc(position.at)) for position in doc.positions],
        answers=[msgspec.structs.replace(answer, answered_at=_utc(answer.answered_at)) for answer in doc.answers],
        photos=[msgspec.structs.replace(photo, taken_at=_utc(photo.taken_at)) for photo in doc.photos],
    )
    return hashlib.sha256(msgspec.json.encode(in_utc)).hexdigest()


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)
