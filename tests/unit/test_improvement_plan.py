"""The improvement plan of one visit: unmet indicators by dimension, ordered by the points each would recover.

The checklist below weighs dimension P 60 and dimension Q 40. Worked out by hand for the answers used here:
  P: P1 yes/no w2 = no (0), P2 scale w1 = 2 (2/3), P3 yes/no w1 reverse = "yes" (scored 0), P4 w1 not applicable
     → P = 100 · (2·0 + 1·⅔ + 1·0) / 4 = 16.666…
  Q: Q1 choice w1 = "unit" of none/unit/mpp (½), Q2 number w3 = 20 min (band ≤ 30 → 0.5), Q3 text (never scored)
     → Q = 100 · (½ + 3·½) / 4 = 50
  total = (60 · 16.666… + 40 · 50) / 100 = 30
  points = 100 · (Wd / 100) · (w / Σw in d) · (1 − s):
     P1: 100 · 0.6 · 2/4 · 1 = 30;  P2: 100 · 0.6 · 1/4 · ⅓ = 5;  P3: 100 · 0.6 · 1/4 · 1 = 15
     Q1: 100 · 0.4 · 1/4 · ½ = 5;   Q2: 100 · 0.4 · 3/4 · ½ = 15
  P: 50 in all, Q: 20; together 70 = 100 − 30.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import msgspec

from server.domain.insights.plans import PlanComment, answer_text, improvement_plan
from server.domain.instruments.documents import Instrument

CHECKLIST = msgspec.convert(
    {
        "key": "uji-rencana",
        "version": "1",
        "title": {"id": "Uji"},
        "dimensions": [
            {
                "id": "P",
                "title": {"id": "Proses"},
                "weight": 60,
                "indicators": [
                    {
                        "id": "P1",
                        "text": {"id": "Maklumat"},
                        "type": "yes_no",
                        "weight": 2,
                        "guidance": {
                            "id": "Maklumat terpasang dan terbaca.",
                            "en": "Service pledge displayed and legible.",
                        },
                    },
                    {"id": "P2", "text": {"id": "Alur"}, "type": "scale_0_3", "weight": 1},
                    {"id": "P3", "text": {"id": "Pungli"}, "type": "yes_no", "weight": 1, "reverse": True},
                    {"id": "P4", "text": {"id": "Ruang laktasi"}, "type": "yes_no", "weight": 1, "allow_na": True},
                ],
            },
            {
                "id": "Q",
                "title": {"id": "Keluaran"},
                "weight": 40,
                "indicators": [
                    {
                        "id": "Q1",
                        "text": {"id": "Terpadu"},
                        "type": "choice",
                        "weight": 1,
                        "choices": [
                            {"value": "none", "label": {"id": "Tidak ada", "en": "None"}},
                            {"value": "unit", "label": {"id": "Di unit", "en": "In the unit"}},
                            {"value": "mpp", "label": {"id": "MPP", "en": "MPP"}},
                        ],
                    },
                    {
                        "id": "Q2",
                        "text": {"id": "Waktu tunggu"},
                        "type": "number",
                        "weight": 3,
                        "unit": "min",
                        "bands": [{"max": 15, "score": 1}, {"max": 30, "score": 0.5}, {"score": 0}],
                    },
                    {"id": "Q3", "text": {"id": "Catatan"}, "type": "text", "weight": 0, "required": False},
                ],
            },
        ],
    },
    Instrument,
)


@dataclass
class A:
    indicator: str
    value: Any = None
    not_applicable: bool = False
    note: str | None = None


ANSWERS = [
    A("P1", False),
    A("P2", 2),
    A("P3", True),
    A("P4", not_applicable=True),
    A("Q1", "unit"),
    A("Q2", 20),
    A("Q3", "Antre lama."),
]


def test_unmet_indicators_are_grouped_by_dimension_and_ordered_by_the_points_they_recover():
    plan = improvement_plan(CHECKLIST, ANSWERS)

    assert plan.total == Decimal("30.00")
    assert [(d.dimension.id, d.points) for d in plan.dimensions] == [("P", Decimal(50)), ("Q", Decimal(20))]
    assert [[(i.indicator.id, round(i.points, 10)) for i in d.items] for d in plan.dimensions] == [
        [("P1", Decimal(30)), ("P3", Decimal(15)), ("P2", Decimal(5))],
        [("Q2", Decimal(15)), ("Q1", Decimal(5))],
    ]
    assert round(plan.points, 10) == Decimal(70)


def test_met_not_applicable_and_unscored_indicators_are_not_in_the_plan():
    plan = improvement_plan(
        CHECKLIST,
        [
            A("P1", True),
            A("P2", 3),
            A("P3", False),
            A("P4", not_applicable=True),
            A("Q1", "mpp"),
            A("Q2", 10),
            A("Q3", "Lancar."),
        ],
    )

    assert plan.total == Decimal("100.00") and plan.dimensions == () and plan.points == 0


def test_each_item_carries_its_photos_and_comments():
    comment = PlanComment("Maklumat belum dipasang.", "return", datetime(2020, 8, 1, tzinfo=UTC))

    plan = improvement_plan(CHECKLIST, ANSWERS, photo_ids={"P1": ["photo-1", "photo-2"]}, comments={"P1": [comment]})

    p1 = plan.dimensions[0].items[0]
    assert (p1.indicator.id, p1.photo_ids, p1.comments) == ("P1", ("photo-1", "photo-2"), (comment,))
    assert p1.indicator.guidance.en == "Service pledge displayed and legible."
    assert plan.dimensions[0].items[1].photo_ids == () and plan.dimensions[0].items[1].comments == ()


def test_answers_are_put_in_words_for_a_printed_plan():
    indicators = CHECKLIST.indicators()

    assert (answer_text(indicators["P1"], A("P1", False)).id, answer_text(indicators["P1"], A("P1", True)).en) == (
        "Tidak",
        "Yes",
    )
    assert answer_text(indicators["P2"], A("P2", 2)).id == "2 dari 3"
    assert answer_text(indicators["Q1"], A("Q1", "unit")).en == "In the unit"
    assert answer_text(indicators["Q2"], A("Q2", 20.0)).id == "20 min"
    assert answer_text(indicators["P4"], A("P4", not_applicable=True)).id == "Tidak berlaku"
    assert answer_text(indicators["P1"], None).en == "Not answered"
