"""The audit log as a hash chain: each event's hash covers its content and the hash of the event before it.

    hash(n) = sha256_hex(hash(n − 1) + canonical_json(content(n))),   hash(0) = GENESIS

Editing an event's content, deleting an event or moving one then shows up when the chain is walked again
(``verify_chain``). The chain proves the log was not altered after the fact by someone without the means to rewrite
every later hash; it is not a signature.

Canonical JSON is what makes the hash reproducible after a database round trip: sorted keys, no whitespace, UTF-8,
datetimes as RFC 3339 UTC with microseconds (``2024-05-01T03:04:05.000000Z``), UUIDs and Decimals as strings.
A Decimal keeps its exponent (``81.0`` and ``81.00`` differ), so store decimals with a fixed scale.
"""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Literal

GENESIS = "0" * 64

BreakReason = Literal["edited", "deleted", "reordered"]


@dataclass(frozen=True)
class ChainLink:
    seq: int
    prev_hash: str
    hash: str
    content: Mapping[str, Any]


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    """The first event at which the chain no longer holds."""
    reason: BreakReason
    detail: str


def canonical_json(content: Mapping[str, Any]) -> bytes:
    return json.dumps(
        _canonical(content), sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def event_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(content)).hexdigest()


def next_link(previous: ChainLink | None, content: Mapping[str, Any]) -> ChainLink:
    """The link that follows ``previous`` (or starts the chain at seq 1)."""
    prev_hash = GENESIS if previous is None else previous.hash
    seq = 1 if previous is None else previous.seq + 1
    return ChainLink(seq=seq, prev_hash=prev_hash, hash=event_hash(prev_hash, content), content=content)


def verify_chain(events: Iterable[ChainLink], *, head_hash: str | None = None) -> ChainBreak | None:
    """The first break in a whole chain, given in stored order (normally by ``seq``); None when it is intact.

    - ``edited``: the event's hash does not match its content (content or hash changed after writing);
    - ``reordered``: its seq does not increase, or it is chained to an event other than the one before it;
    - ``deleted``: a seq is skipped, or the event before it is not the one it was chained to and that one is
      nowhere in the log (deleted, or rewritten together with its hash).
    Events are any objects with ``seq``, ``prev_hash``, ``hash`` and ``content``. The whole chain is held in memory
    to recognise links to events elsewhere in it.

    A chain alone cannot show that its newest events were cut off; pass ``head_hash``, a hash recorded somewhere
    else (a published result, a backup), to check that the event it names is still there (later events may follow).
    """
    links = list(events)
    known_hashes = {GENESIS} | {link.hash for link in links}
    previous = None
    for link in links:
        found = _link_break(link, previous, known_hashes)
        if found is not None:
            return found
        previous = link
    if head_hash is not None and head_hash not in known_hashes:
        last_seq = previous.seq if previous else 0
        return ChainBreak(
            last_seq + 1, "deleted", "The recorded head is not in the chain: events were cut off or rewritten."
        )
    return None


def _link_break(link: ChainLink, previous: ChainLink | None, known_hashes: set[str]) -> ChainBreak | None:
    if event_hash(link.prev_hash, link.content) != link.hash:
        return ChainBreak(link.seq, "edited", f"Event {link.seq} does not match its hash: it was changed.")
    if previous is not None and link.seq <= previous.seq:
        return ChainBreak(link.seq, "reordered", f"Event {link.seq} comes after event {previous.seq}.")
    expected_prev_hash = GENESIS if previous is None else previous.hash
    if link.prev_hash != expected_prev_hash:
        if link.prev_hash in known_hashes:
            return ChainBreak(
                link.seq, "reordered", f"Event {link.seq} is chained to another event than the one stored before it."
            )
        return ChainBreak(link.seq, "deleted", f"The event chained before event {link.seq} is missing.")
    if previous is not None and link.seq != previous.seq + 1:
        return ChainBreak(link.seq, "deleted", f"Events {previous.seq + 1}–{link.seq - 1} are missing.")
    return None


def _canonical(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("Audit content cannot hold NaN or infinity.")
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime):
        return _utc_rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return _canonical_mapping(value)
    if isinstance(value, (list, tuple)):
        return [_canonical(item) for item in value]
    raise TypeError(f"Audit content cannot hold a {type(value).__name__}.")


def _canonical_mapping(mapping: Mapping[Any, Any]) -> dict[str, Any]:
    # json would silently turn 1 into "1", letting {1: …} and {"1": …} hash alike.
    if not all(isinstance(key, str) for key in mapping):
        raise TypeError("Audit content keys must be strings.")
    return {key: _canonical(item) for key, item in mapping.items()}


def _utc_rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        # A naive time could be read in any zone; hashing it would fix one reading silently.
        raise ValueError("Audit content times must carry a time zone.")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
