"""Which review decisions a visit's status allows (docs/contract.md, "Review decisions"), as one table on plain values.

    submitted --approve--> approved      approved --return--> returned
    submitted --return---> returned      approved --reject--> rejected
    submitted --reject---> rejected

A supervisor may change their mind about an approved visit (send it back, or reject it) because approval is not yet
public: results are published per wave. Once the wave is published the service must refuse any decision
(``WaveStateConflict``) before asking this table; the table knows nothing about waves. Everything else is refused:
an ``incomplete`` visit still misses photos, a ``returned`` one waits for the surveyor's next revision, and
``rejected`` is final. Deciding twice (approve an approved visit) is refused too, so a double click cannot write
two review events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, get_args

from server.lib.errors import ReviewConflict, ReviewInvalid

ReviewStatus = Literal["incomplete", "submitted", "approved", "returned", "rejected"]
ReviewDecision = Literal["approve", "return", "reject"]

DECISIONS: tuple[str, ...] = get_args(ReviewDecision)

TRANSITIONS: Mapping[tuple[str, str], str] = {
    ("submitted", "approve"): "approved",
    ("submitted", "return"): "returned",
    ("submitted", "reject"): "rejected",
    ("approved", "return"): "returned",
    ("approved", "reject"): "rejected",
}


def allowed_decisions(status: str) -> frozenset[str]:
    """The decisions a reviewer can make on a visit in ``status`` (to show only the buttons that work)."""
    return frozenset(decision for (from_status, decision) in TRANSITIONS if from_status == status)


def decide_review(
    status: str,
    decision: str,
    stored_revision: int,
    reviewed_revision: int,
    comment: str | None,
    indicator_comments: Iterable[Any] = (),
) -> str:
    """The visit's new status, or ``ReviewInvalid`` (422) for a bad request, ``ReviewConflict`` (409) for a state
    that changed or does not allow the decision.

    ``reviewed_revision`` is the revision the supervisor looked at; if the surveyor has sent a newer one since,
    the decision would be about evidence the supervisor never saw. ``indicator_comments`` items have a ``text``
    attribute or key (``IndicatorComment`` or its dict).
    """
    if decision not in DECISIONS:
        raise ReviewInvalid(f"A decision is one of {', '.join(DECISIONS)}; got {decision!r}.", field="decision")
    if decision == "return" and not _has_text(comment) and not any(_is_commented(c) for c in indicator_comments):
        # A returned visit goes back to a surveyor in the field, who must be told what to correct.
        raise ReviewInvalid("Returning a visit needs a comment, general or on an indicator.", field="comment")
    if reviewed_revision != stored_revision:
        raise ReviewConflict(
            f"The visit is now at revision {stored_revision}; you reviewed revision "
            f"{reviewed_revision}. Reload it before deciding.",
            field="revision",
            current_revision=stored_revision,
        )
    new_status = TRANSITIONS.get((status, decision))
    if new_status is None:
        raise ReviewConflict(
            f"A visit that is {status} cannot be given the decision {decision!r}.",
            field="decision",
            current_status=status,
        )
    return new_status


def _has_text(text: Any) -> bool:
    return isinstance(text, str) and bool(text.strip())


def _is_commented(indicator_comment: Any) -> bool:
    text = (
        indicator_comment.get("text")
        if isinstance(indicator_comment, Mapping)
        else getattr(indicator_comment, "text", None)
    )
    return _has_text(text)
