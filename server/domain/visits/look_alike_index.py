"""Finding perceptual hashes within a Hamming distance through an index: multi-index hashing.

Norouzi, Punjani and Fleet, "Fast search in Hamming space with multi-index hashing" (CVPR 2012): a 64-bit hash is
cut into ``BANDS`` bands of 16 bits, each stored as an indexed key (the band's number in the high bits, so one
column and one index serve all bands). Two hashes within distance ``d`` differ in at most ``d`` bits, so by the
pigeonhole principle at least one band differs in at most ``d // BANDS`` bits. Probing every band with every value
within that many bits of ours therefore finds every hash within ``d`` — and, on unrelated pictures, few others: at
the default distance of 6 a probe is 4 × 17 keys, each matching a random hash with a chance of 17 in 65,536, so
about one stored hash in 1,000 comes back to be compared exactly. The cost of a search depends on how many hashes
come close, not on how many are stored.

Hashes of any other length than 64 bits are not indexed (none are made); a distance over ``MAX_INDEXED_DISTANCE``
would need thousands of probes per band, so callers compare every candidate instead.
"""

from __future__ import annotations

from itertools import combinations

HASH_BITS = 64
BANDS = 4
BAND_BITS = HASH_BITS // BANDS
_BAND_MASK = (1 << BAND_BITS) - 1
MAX_INDEXED_DISTANCE = 4 * BANDS - 1  # at most 3 bits per band: 697 probes per band


def is_indexable(phash_hex: str) -> bool:
    return len(phash_hex) == HASH_BITS // 4


def band_keys(phash_hex: str) -> list[int]:
    """The index keys of a stored hash: one per band, its number above its 16 bits."""
    value = int(phash_hex, 16)
    return [_key(band, _band_value(value, band)) for band in range(BANDS)]


def probe_keys(phash_hex: str, max_distance: int) -> list[int]:
    """Every key that a hash within ``max_distance`` of this one has in at least one band."""
    if max_distance > MAX_INDEXED_DISTANCE:
        raise ValueError(f"distances over {MAX_INDEXED_DISTANCE} are not searched through the index")
    value = int(phash_hex, 16)
    flips = _flip_masks(max_distance // BANDS)
    return [_key(band, _band_value(value, band) ^ flip) for band in range(BANDS) for flip in flips]


def _band_value(value: int, band: int) -> int:
    return (value >> (band * BAND_BITS)) & _BAND_MASK


def _key(band: int, band_value: int) -> int:
    return (band << BAND_BITS) | band_value


def _flip_masks(bits: int) -> list[int]:
    return [
        sum(1 << bit for bit in chosen) for count in range(bits + 1) for chosen in combinations(range(BAND_BITS), count)
    ]
