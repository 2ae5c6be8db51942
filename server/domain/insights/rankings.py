"""Rankings ("kompetisi") within a wave, and who improved most since the wave before. Pure: plain values in and out.

Ties are handled openly with standard competition ranking ("1, 2, 2, 4"): entries with the same reported score share
the rank of the first of them, are marked ``tied``, and the next entry's rank skips the places they shared. The score
compared is the reported one (rounded half-up to 2 decimals), because two units that a reader sees at 78.50 must not
be told apart by digits nobody was shown. Within a tie the order is by name, then id, only so that it is stable.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Generic, TypeVar

from server.domain.results.scoring import round_score

T = TypeVar("T")
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Standing(Generic[T]):
    rank: int
    """1 for the best; tied entries share a rank and the next rank skips the shared places."""
    tied: bool
    """Another entry has the same value (and so the same rank)."""
    value: Decimal
    """The value ranked on, as compared (2 decimals)."""
    entry: T


def competition_ranking(
    entries: Iterable[T], value_of: Callable[[T], Decimal], tiebreak: Callable[[T], tuple[str, ...]] = lambda _: ()
) -> list[Standing[T]]:
    """Highest value first, ranked "1, 2, 2, 4"; values are rounded half-up to 2 decimals before comparing."""
    valued = sorted(
        ((round_score(value_of(entry)), entry) for entry in entries), key=lambda pair: (-pair[0], tiebreak(pair[1]))
    )
    counts: dict[Decimal, int] = {}
    for value, _ in valued:
        counts[value] = counts.get(value, 0) + 1
    standings: list[Standing[T]] = []
    for position, (value, entry) in enumerate(valued, start=1):
        shares_previous = bool(standings) and standings[-1].value == value
        rank = standings[-1].rank if shares_previous else position
        standings.append(Standing(rank=rank, tied=counts[value] > 1, value=value, entry=entry))
    return standings


def points_gained(current: Mapping[K, Decimal], previous: Mapping[K, Decimal]) -> dict[K, Decimal]:
    """Reported score now minus reported score before, for everything scored in both; positive means improved.

    Both scores are rounded first so that the gain is exactly the difference of the two figures a reader sees."""
    return {key: round_score(score) - round_score(previous[key]) for key, score in current.items() if key in previous}


def most_improved(
    gains: Mapping[K, Decimal],
    entries: Mapping[K, T],
    tiebreak: Callable[[T], tuple[str, ...]] = lambda _: (),
) -> list[Standing[T]]:
    """The entries that gained points, most points first, ranked like scores (ties share a rank)."""
    improved = [key for key, gain in gains.items() if gain > 0 and key in entries]
    standings = competition_ranking(improved, lambda key: gains[key], lambda key: tiebreak(entries[key]))
    return [Standing(rank=s.rank, tied=s.tied, value=s.value, entry=entries[s.entry]) for s in standings]
