"""The resubmission rule of PUT /api/visits/{id} and the content hash it compares."""

from __future__ import annotations

import msgspec
import pytest

from server.domain.visits.documents import VisitDocument
from server.domain.visits.sync_rules import (
    Conflict,
    IncomingVisit,
    Replay,
    Revise,
    StoredVisit,
    canonical_visit_hash,
    decide,
)

HASH_A = "a" * 64
HASH_B = "b" * 64


def stored(revision: int = 1, status: str = "submitted", content_hash: str = HASH_A) -> StoredVisit:
    return StoredVisit(revision=revision, status=status, content_hash=content_hash)


def incoming(revision: int = 1, content_hash: str = HASH_A) -> IncomingVisit:
    return IncomingVisit(revision=revision, content_hash=content_hash)


@pytest.mark.parametrize("status", ["incomplete", "submitted", "approved", "returned", "rejected"])
def test_replaying_an_identical_visit_is_a_harmless_replay_whatever_its_status(status):
    decision = decide(stored(status=status), incoming())
    assert decision == Replay()


def test_same_revision_with_other_content_is_a_conflict():
    decision = decide(stored(), incoming(content_hash=HASH_B))
    assert isinstance(decision, Conflict)
    assert "revision" in decision.reason.lower()


def test_a_higher_revision_of_a_returned_visit_revises_it():
    decision = decide(stored(revision=1, status="returned"), incoming(revision=2, content_hash=HASH_B))
    assert decision == Revise()


@pytest.mark.parametrize("status", ["incomplete", "submitted", "approved", "rejected"])
def test_a_higher_revision_of_a_visit_not_returned_is_a_conflict(status):
    decision = decide(stored(revision=1, status=status), incoming(revision=2, content_hash=HASH_B))
    assert isinstance(decision, Conflict)
    assert status in decision.reason


def test_an_older_revision_than_the_stored_one_is_a_stale_conflict():
    decision = decide(stored(revision=3, status="returned"), incoming(revision=2))
    assert isinstance(decision, Conflict)
    assert "older" in decision.reason


# --- canonical_visit_hash ----------------------------------------------------------------------------------------

ASSIGNMENT_ID = "6f1c2a8e-4b7d-4c1e-9a55-0d3f7e2b9c11"
PHOTO_ID = "0b7e9a44-51c3-4f0e-8d2a-6c1f3e5d7a90"


def decoded(body: bytes | str) -> VisitDocument:
    return msgspec.json.decode(body, type=VisitDocument)


def a_visit_json(**overrides) -> dict:
    document = {
        "assignment_id": ASSIGNMENT_ID,
        "revision": 1,
        "started_at": "2026-03-10T09:00:00+07:00",
        "finished_at": "2026-03-10T09:40:00+07:00",
        "positions": [{"lat": -6.7616, "lon": 108.4808, "accuracy_m": 12.0, "at": "2026-03-10T09:01:00+07:00"}],
        "answers": [{"indicator": "B01", "value": 3, "answered_at": "2026-03-10T09:05:00+07:00"}],
        "photos": [
            {
                "id": PHOTO_ID,
                "indicator": "B01",
                "sha256": "c" * 64,
                "size": 123456,
                "content_type": "image/jpeg",
                "taken_at": "2026-03-10T09:06:00+07:00",
                "lat": -6.7616,
                "lon": 108.4808,
                "accuracy_m": 10.0,
            }
        ],
    }
    document.update(overrides)
    return document


def test_the_same_instant_written_with_another_offset_hashes_the_same():
    in_jakarta = decoded(msgspec.json.encode(a_visit_json()))
    in_utc = decoded(
        msgspec.json.encode(a_visit_json(started_at="2026-03-10T02:00:00Z", finished_at="2026-03-10T02:40:00.000Z"))
    )
    assert canonical_visit_hash(in_jakarta) == canonical_visit_hash(in_utc)


def test_key_order_whitespace_defaults_and_uuid_case_do_not_change_the_hash():
    plain = decoded(msgspec.json.encode(a_visit_json()))
    respelled = a_visit_json(assignment_id=ASSIGNMENT_ID.upper())
    respelled["answers"] = [
        {
            "answered_at": "2026-03-10T09:05:00+07:00",
            "not_applicable": False,
            "note": None,
            "value": 3,
            "indicator": "B01",
        }
    ]
    body = (
        "{\n  "
        + ",\n  ".join(f'"{k}": {msgspec.json.encode(v).decode()}' for k, v in reversed(list(respelled.items())))
        + "\n}"
    )
    assert canonical_visit_hash(decoded(body)) == canonical_visit_hash(plain)


def test_a_changed_answer_changes_the_hash():
    before = decoded(msgspec.json.encode(a_visit_json()))
    after = decoded(
        msgspec.json.encode(
            a_visit_json(answers=[{"indicator": "B01", "value": 2, "answered_at": "2026-03-10T09:05:00+07:00"}])
        )
    )
    assert canonical_visit_hash(before) != canonical_visit_hash(after)


def test_a_different_instant_changes_the_hash():
    before = decoded(msgspec.json.encode(a_visit_json()))
    after = decoded(msgspec.json.encode(a_visit_json(finished_at="2026-03-10T09:40:01+07:00")))
    assert canonical_visit_hash(before) != canonical_visit_hash(after)


def test_the_hash_is_a_sha256_hex_digest():
    digest = canonical_visit_hash(decoded(msgspec.json.encode(a_visit_json())))
    assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")


def test_the_hash_of_a_known_document_never_changes():
    # Stored visits keep the hash they were received with: a replay sent years later must still match it.
    digest = canonical_visit_hash(decoded(msgspec.json.encode(a_visit_json())))
    assert digest == "381c3885da1b015eaac0677f1da5676a7b469e8550c94c2e2fbf3df0355f10bc"


def _times_moved(value, offset: str):
    """The JSON document with every time in it written with another offset for the same instant."""
    from datetime import datetime, timedelta, timezone

    if isinstance(value, dict):
        return {key: _times_moved(item, offset) for key, item in value.items()}
    if isinstance(value, list):
        return [_times_moved(item, offset) for item in value]
    if isinstance(value, str) and value[:4].isdigit() and "T" in value:
        hours = int(offset)
        return datetime.fromisoformat(value).astimezone(timezone(timedelta(hours=hours))).isoformat()
    return value


def test_every_time_in_the_document_is_hashed_as_its_instant():
    # Walks the JSON, so a time field added to the document later is covered without touching this test.
    document = a_visit_json()
    assert canonical_visit_hash(decoded(msgspec.json.encode(_times_moved(document, "-5")))) == canonical_visit_hash(
        decoded(msgspec.json.encode(document))
    )
    for key, items in (("positions", "at"), ("answers", "answered_at"), ("photos", "taken_at")):
        moved = dict(document, **{key: [dict(item, **{items: "2026-03-10T09:59:59+07:00"}) for item in document[key]]})
        assert canonical_visit_hash(decoded(msgspec.json.encode(moved))) != canonical_visit_hash(
            decoded(msgspec.json.encode(document))
        )
