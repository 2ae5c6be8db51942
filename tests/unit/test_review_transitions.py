"""Which review decisions a visit's status allows, and how bad or stale decisions are refused."""

from __future__ import annotations

import pytest

from server.domain.review.transitions import DECISIONS, TRANSITIONS, allowed_decisions, decide_review
from server.domain.visits.documents import IndicatorComment
from server.lib.errors import ReviewConflict, ReviewInvalid

STATUSES = ["incomplete", "submitted", "approved", "returned", "rejected"]
COMMENT = "Foto persyaratan buram, mohon diulang."


def decide(
    status: str,
    decision: str,
    *,
    stored_revision: int = 2,
    reviewed_revision: int = 2,
    comment: str | None = COMMENT,
    indicator_comments: list | None = None,
) -> str:
    return decide_review(status, decision, stored_revision, reviewed_revision, comment, indicator_comments or [])


@pytest.mark.parametrize(
    ("status", "decision", "new_status"),
    [
        ("submitted", "approve", "approved"),
        ("submitted", "return", "returned"),
        ("submitted", "reject", "rejected"),
        ("approved", "return", "returned"),
        ("approved", "reject", "rejected"),
    ],
)
def test_a_reviewer_can_decide_a_submitted_visit_and_change_their_mind_about_an_approved_one(
    status: str, decision: str, new_status: str
) -> None:
    assert decide(status, decision) == new_status


@pytest.mark.parametrize(
    ("status", "decision"),
    [(status, decision) for status in STATUSES for decision in DECISIONS if (status, decision) not in TRANSITIONS],
)
def test_every_other_decision_is_refused_as_a_conflict(status: str, decision: str) -> None:
    with pytest.raises(ReviewConflict) as refused:
        decide(status, decision)
    assert refused.value.status == 409
    assert refused.value.code == "review.conflict"


def test_exactly_five_transitions_are_allowed() -> None:
    allowed = {(s, d) for s in STATUSES for d in DECISIONS if d in allowed_decisions(s)}
    assert allowed == {
        ("submitted", "approve"),
        ("submitted", "return"),
        ("submitted", "reject"),
        ("approved", "return"),
        ("approved", "reject"),
    }


def test_a_decision_on_a_revision_the_reviewer_did_not_see_is_a_conflict() -> None:
    with pytest.raises(ReviewConflict) as refused:
        decide("submitted", "approve", stored_revision=3, reviewed_revision=2)
    assert refused.value.field == "revision"
    assert refused.value.extra["current_revision"] == 3


def test_an_unknown_decision_is_invalid() -> None:
    with pytest.raises(ReviewInvalid) as refused:
        decide("submitted", "approve_later")
    assert refused.value.status == 422
    assert refused.value.code == "review.invalid"
    assert refused.value.field == "decision"


@pytest.mark.parametrize("comment", [None, "", "   \n"])
def test_returning_a_visit_without_any_comment_is_invalid(comment: str | None) -> None:
    with pytest.raises(ReviewInvalid) as refused:
        decide("submitted", "return", comment=comment)
    assert refused.value.field == "comment"


def test_an_indicator_comment_is_enough_to_return_a_visit() -> None:
    comments = [IndicatorComment(indicator="B01", text="Persyaratan tidak terlihat di foto.")]
    assert decide("submitted", "return", comment=None, indicator_comments=comments) == "returned"


def test_indicator_comments_may_come_as_plain_objects() -> None:
    comments = [{"indicator": "B01", "text": "Foto terpotong."}]
    assert decide("approved", "return", comment="", indicator_comments=comments) == "returned"


def test_blank_indicator_comments_do_not_count_as_a_comment() -> None:
    with pytest.raises(ReviewInvalid):
        decide("submitted", "return", comment=None, indicator_comments=[{"indicator": "B01", "text": "  "}])


@pytest.mark.parametrize(("decision", "new_status"), [("approve", "approved"), ("reject", "rejected")])
def test_approving_or_rejecting_needs_no_comment(decision: str, new_status: str) -> None:
    assert decide("submitted", decision, comment=None) == new_status


def test_a_bad_request_is_reported_before_a_stale_revision() -> None:
    # The reviewer must fix what they sent before being asked to reload: 422 first, then 409.
    with pytest.raises(ReviewInvalid):
        decide("submitted", "return", comment=None, stored_revision=3, reviewed_revision=2)
