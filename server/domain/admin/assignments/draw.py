"""The seeded random draw of assignments: each unit to one surveyor, loads balanced, conflicts respected.

Pure: plain values in, plain values out. The same seed and the same units and surveyors (in any order: both are
sorted by id first) give the same draw, so an admin can repeat a published draw and anyone can check it.

How it works:
1. Units and surveyors are sorted by id, then shuffled by ``random.Random(seed)``.
2. Each unit, in shuffled order, goes to a least-loaded surveyor who may take it (ties broken by the shuffled
   surveyor order). A surveyor may not take a unit when they declared a conflict with it or its agency, or when
   they already hold it (``excluded``, e.g. from an earlier draw of the same wave).
3. Conflicts can leave that greedy pass unbalanced, so loads are then evened out along *moving chains*: unit u1
   moves from surveyor A to B, u2 from B to C…, ending at a surveyor whose load is at least 2 below A's. When no
   such chain is left the loads are as even as the conflicts allow (Harvey et al., "Semi-matchings for bipartite
   graphs and load balancing", 2006): whenever a draw with loads differing by at most 1 exists, this is one.
A unit nobody may take is reported in ``unassignable``, never dropped silently.
"""

from __future__ import annotations

import random
import uuid
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

Seed = int | str
_Drawn = TypeVar("_Drawn", "DrawUnit", "DrawSurveyor")


@dataclass(frozen=True)
class DrawUnit:
    id: uuid.UUID
    agency_id: uuid.UUID


@dataclass(frozen=True)
class DrawSurveyor:
    id: uuid.UUID
    conflict_unit_ids: frozenset[uuid.UUID] = frozenset()
    conflict_agency_ids: frozenset[uuid.UUID] = frozenset()

    def may_take(self, unit: DrawUnit) -> bool:
        return unit.id not in self.conflict_unit_ids and unit.agency_id not in self.conflict_agency_ids


@dataclass(frozen=True)
class Draw:
    pairs: tuple[tuple[uuid.UUID, uuid.UUID], ...]
    """``(unit_id, surveyor_id)``, in unit-id order."""
    loads: dict[uuid.UUID, int]
    """Every surveyor of the draw, including those who got nothing."""
    unassignable: tuple[uuid.UUID, ...] = field(default=())
    """Units no surveyor of the draw may take, in unit-id order."""


def draw_assignments(
    units: Iterable[DrawUnit],
    surveyors: Iterable[DrawSurveyor],
    seed: Seed,
    *,
    excluded: Iterable[tuple[uuid.UUID, uuid.UUID]] = (),
) -> Draw:
    """Draw one surveyor for each unit; ``excluded`` holds ``(unit_id, surveyor_id)`` pairs that may not be drawn."""
    rng = random.Random(_seed_value(seed))
    unit_order = sorted(_unique(units), key=lambda unit: str(unit.id))
    surveyor_order = sorted(_unique(surveyors), key=lambda surveyor: str(surveyor.id))
    rng.shuffle(unit_order)
    rng.shuffle(surveyor_order)
    excluded_pairs = set(excluded)

    candidates = {
        unit.id: [s.id for s in surveyor_order if s.may_take(unit) and (unit.id, s.id) not in excluded_pairs]
        for unit in unit_order
    }
    holder: dict[uuid.UUID, uuid.UUID] = {}
    held: dict[uuid.UUID, list[uuid.UUID]] = {s.id: [] for s in surveyor_order}
    for unit in unit_order:
        if candidates[unit.id]:
            chosen = min(candidates[unit.id], key=lambda s_id: len(held[s_id]))
            holder[unit.id] = chosen
            held[chosen].append(unit.id)
    _even_out(held, holder, candidates, [s.id for s in surveyor_order])

    by_unit_id = sorted(holder.items(), key=lambda pair: str(pair[0]))
    return Draw(
        pairs=tuple(by_unit_id),
        loads={s_id: len(units_held) for s_id, units_held in held.items()},
        unassignable=tuple(sorted((u.id for u in unit_order if not candidates[u.id]), key=str)),
    )


def _seed_value(seed: Seed) -> Seed:
    # bool is an int in Python, and True as a seed is almost certainly a mistake upstream.
    if isinstance(seed, bool) or not isinstance(seed, int | str):
        raise TypeError(f"a draw seed is an int or a str, not {seed!r}")
    return seed


def _unique(items: Iterable[_Drawn]) -> list[_Drawn]:
    seen: dict[uuid.UUID, _Drawn] = {}
    for item in items:
        seen.setdefault(item.id, item)
    return list(seen.values())


def _even_out(
    held: dict[uuid.UUID, list[uuid.UUID]],
    holder: dict[uuid.UUID, uuid.UUID],
    candidates: dict[uuid.UUID, list[uuid.UUID]],
    surveyor_order: Sequence[uuid.UUID],
) -> None:
    """Move units along chains from the most to the least loaded surveyors until no chain can even the loads."""
    while True:
        for source in sorted(surveyor_order, key=lambda s_id: -len(held[s_id])):
            chain = _moving_chain(source, held, candidates)
            if chain:
                for unit_id, new_holder in chain:
                    held[holder[unit_id]].remove(unit_id)
                    held[new_holder].append(unit_id)
                    holder[unit_id] = new_holder
                break
        else:
            return


def _moving_chain(
    source: uuid.UUID, held: dict[uuid.UUID, list[uuid.UUID]], candidates: dict[uuid.UUID, list[uuid.UUID]]
) -> list[tuple[uuid.UUID, uuid.UUID]] | None:
    """A shortest chain of moves ``[(unit_id, to_surveyor_id), …]`` from ``source`` to a surveyor at least two
    units lighter, or None. Breadth-first over surveyors, in a fixed order, so the result is reproducible."""
    source_load = len(held[source])
    reached_by: dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID] | None] = {source: None}
    queue = deque([source])
    while queue:
        current = queue.popleft()
        for unit_id in held[current]:
            for target in candidates[unit_id]:
                if target in reached_by:
                    continue
                reached_by[target] = (unit_id, current)
                if len(held[target]) <= source_load - 2:
                    return _chain_to(target, reached_by)
                queue.append(target)
    return None


def _chain_to(
    target: uuid.UUID, reached_by: dict[uuid.UUID, tuple[uuid.UUID, uuid.UUID] | None]
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    chain = []
    step = reached_by[target]
    while step is not None:
        unit_id, previous = step
        chain.append((unit_id, target))
        target = previous
        step = reached_by[target]
    return list(reversed(chain))
