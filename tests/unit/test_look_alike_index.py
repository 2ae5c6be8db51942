"""Multi-index hashing finds every perceptual hash within the distance, and few others."""

from __future__ import annotations

import random

import pytest

from server.domain.visits.look_alike_index import MAX_INDEXED_DISTANCE, band_keys, probe_keys


def flipped(phash: int, bits: list[int]) -> int:
    for bit in bits:
        phash ^= 1 << bit
    return phash


def hex64(value: int) -> str:
    return f"{value:016x}"


@pytest.mark.parametrize("max_distance", [0, 1, 4, 6, 8, 10, MAX_INDEXED_DISTANCE])
def test_every_hash_within_the_distance_shares_a_probed_key(max_distance):
    chooser = random.Random(max_distance)
    for _ in range(300):
        ours = chooser.getrandbits(64)
        theirs = flipped(ours, chooser.sample(range(64), chooser.randint(0, max_distance)))

        assert set(band_keys(hex64(theirs))) & set(probe_keys(hex64(ours), max_distance))


def test_unrelated_hashes_rarely_share_a_probed_key_at_the_default_distance():
    chooser = random.Random(6)
    ours = probe_keys(hex64(chooser.getrandbits(64)), 6)
    hits = sum(bool(set(band_keys(hex64(chooser.getrandbits(64)))) & set(ours)) for _ in range(20_000))

    assert len(ours) == 4 * 17
    assert hits < 20_000 * 0.004  # about 1 in 1,000 expected


def test_a_distance_the_index_cannot_serve_is_refused():
    with pytest.raises(ValueError):
        probe_keys("0" * 16, MAX_INDEXED_DISTANCE + 1)
