"""The audit hash chain: canonical content, hashes, and finding the first edited, deleted or moved event."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain.audit.chain import (
    GENESIS,
    ChainLink,
    canonical_json,
    event_hash,
    next_link,
    verify_chain,
)

WIB = timezone(timedelta(hours=7))
VISIT_ID = uuid.UUID("0b7e3c1a-9f3e-4c55-8a11-2f1d2f7a0c01")


def a_chain(length: int) -> list[ChainLink]:
    links: list[ChainLink] = []
    for n in range(length):
        content = {
            "action": "visit.review",
            "visit_id": VISIT_ID,
            "decision": "approve" if n % 2 else "return",
            "at": datetime(2024, 5, 1, 9, n % 60, tzinfo=WIB),
            "score": Decimal("81.00"),
            "n": n,
        }
        links.append(next_link(links[-1] if links else None, content))
    return links


# --- canonical JSON ------------------------------------------------------------------------------------------------


def test_canonical_json_sorts_keys_and_has_no_whitespace() -> None:
    assert canonical_json({"b": [1, {"d": None, "c": True}], "a": "x"}) == b'{"a":"x","b":[1,{"c":true,"d":null}]}'


def test_canonical_json_writes_times_in_utc_whatever_their_offset() -> None:
    in_jakarta = datetime(2024, 5, 1, 16, 4, 5, tzinfo=WIB)
    in_utc = datetime(2024, 5, 1, 9, 4, 5, tzinfo=UTC)
    assert canonical_json({"at": in_jakarta}) == canonical_json({"at": in_utc})
    assert canonical_json({"at": in_utc}) == b'{"at":"2024-05-01T09:04:05.000000Z"}'


def test_canonical_json_writes_uuids_and_decimals_as_strings_and_text_as_utf8() -> None:
    content = {"id": VISIT_ID, "score": Decimal("80.99"), "catatan": "Pungutan liar—ditolak"}
    assert (
        canonical_json(content)
        == ('{"catatan":"Pungutan liar—ditolak","id":"0b7e3c1a-9f3e-4c55-8a11-2f1d2f7a0c01","score":"80.99"}').encode()
    )


@pytest.mark.parametrize(
    "content",
    [
        {"at": datetime(2024, 5, 1, 9, 0)},
        {"ratio": float("nan")},
        {"photo": b"\xff\xd8"},
        {"nested": {1: "one"}},
    ],
)
def test_content_that_cannot_be_hashed_reproducibly_is_refused(content: dict[str, Any]) -> None:
    with pytest.raises((TypeError, ValueError)):
        canonical_json(content)


def test_an_event_hash_is_the_sha256_of_the_previous_hash_and_the_canonical_content() -> None:
    expected = hashlib.sha256(("0" * 64 + '{"a":1,"b":"x"}').encode()).hexdigest()
    assert event_hash(GENESIS, {"b": "x", "a": 1}) == expected


def test_the_chain_starts_at_genesis_with_seq_1() -> None:
    first, second = a_chain(2)
    assert (first.seq, first.prev_hash) == (1, GENESIS)
    assert (second.seq, second.prev_hash) == (2, first.hash)


# --- verifying -----------------------------------------------------------------------------------------------------


def test_an_untouched_chain_verifies() -> None:
    assert verify_chain(a_chain(10)) is None
    assert verify_chain([]) is None


def test_an_edited_event_is_reported_as_edited() -> None:
    chain = a_chain(6)
    chain[3] = replace(chain[3], content=chain[3].content | {"decision": "approve", "score": Decimal("95.00")})
    found = verify_chain(chain)
    assert found is not None
    assert (found.seq, found.reason) == (4, "edited")


def test_an_event_edited_and_rehashed_breaks_the_link_of_the_next_one() -> None:
    chain = a_chain(6)
    forged = chain[2].content | {"decision": "approve"}
    chain[2] = replace(chain[2], content=forged, hash=event_hash(chain[2].prev_hash, forged))
    found = verify_chain(chain)
    assert found is not None
    assert (found.seq, found.reason) == (4, "deleted")


def test_a_deleted_event_is_reported_at_the_event_after_it() -> None:
    chain = a_chain(6)
    del chain[2]
    found = verify_chain(chain)
    assert found is not None
    assert (found.seq, found.reason) == (4, "deleted")


def test_deleting_the_first_event_is_noticed() -> None:
    found = verify_chain(a_chain(4)[1:])
    assert found is not None
    assert (found.seq, found.reason) == (2, "deleted")


def test_a_gap_in_seq_counts_as_a_deletion_even_when_hashes_link() -> None:
    chain = a_chain(5)
    chain[3:] = [replace(link, seq=link.seq + 1) for link in chain[3:]]
    found = verify_chain(chain)
    assert found is not None
    assert (found.seq, found.reason) == (5, "deleted")


def test_two_events_swapped_in_storage_are_reported_as_reordered() -> None:
    chain = a_chain(6)
    chain[2], chain[3] = chain[3], chain[2]
    found = verify_chain(chain)
    assert found is not None
    assert (found.seq, found.reason) == (4, "reordered")


def test_two_events_whose_seq_numbers_were_swapped_are_reported_as_reordered() -> None:
    chain = a_chain(6)
    chain[2], chain[3] = replace(chain[3], seq=3), replace(chain[2], seq=4)
    found = verify_chain(chain)
    assert found is not None
    assert (found.seq, found.reason) == (3, "reordered")


def test_cutting_off_the_newest_events_is_noticed_against_a_recorded_head() -> None:
    chain = a_chain(6)
    assert verify_chain(chain[:4]) is None  # the chain alone cannot tell
    found = verify_chain(chain[:4], head_hash=chain[5].hash)
    assert found is not None
    assert (found.seq, found.reason) == (5, "deleted")
    assert verify_chain(chain, head_hash=chain[3].hash) is None  # events after the head are fine


@dataclass
class StoredEvent:
    seq: int
    prev_hash: str
    hash: str
    content: dict[str, Any]
    actor: str = "supervisor1"


def test_rows_read_back_from_storage_verify_like_links() -> None:
    rows = [StoredEvent(link.seq, link.prev_hash, link.hash, dict(link.content)) for link in a_chain(3)]
    assert verify_chain(rows) is None
    rows[1].content["decision"] = "reject"
    found = verify_chain(rows)
    assert found is not None and found.seq == 2


@given(st.integers(2, 12), st.data())
def test_removing_any_event_but_the_last_is_always_found(length: int, data: st.DataObject) -> None:
    chain = a_chain(length)
    removed = data.draw(st.integers(0, length - 2))
    del chain[removed]
    found = verify_chain(chain)
    assert found is not None
    assert (found.seq, found.reason) == (removed + 2, "deleted")


@given(st.integers(1, 12), st.data())
def test_editing_any_event_is_found_at_that_event(length: int, data: st.DataObject) -> None:
    chain = a_chain(length)
    edited = data.draw(st.integers(0, length - 1))
    chain[edited] = replace(chain[edited], content=chain[edited].content | {"n": -1})
    found = verify_chain(chain)
    assert found is not None
    assert (found.seq, found.reason) == (edited + 1, "edited")
