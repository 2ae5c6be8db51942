"""Classifying scores into zones and grades with the profiles a wave can pick, and checking edited profiles."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain.results.profiles import (
    PROFILES,
    Profile,
    profile_for_key,
    profile_from_dict,
    profile_to_dict,
)
from server.domain.results.zoning import classify, ipp_index, zone_name_id
from server.lib.errors import InvalidInput

OMBUDSMAN_2021 = PROFILES["ombudsman-2021"]
OMBUDSMAN_2022 = PROFILES["ombudsman-2022"]
PANRB_IPP = PROFILES["panrb-ipp"]


@pytest.mark.parametrize(
    ("score", "zone"),
    [
        ("100", "green"),
        ("81.00", "green"),
        ("80.99", "yellow"),
        ("51.00", "yellow"),
        ("50.99", "red"),
        ("0", "red"),
    ],
)
def test_ombudsman_2021_zones_change_exactly_at_81_and_51(score: str, zone: str) -> None:
    classification = classify(Decimal(score), OMBUDSMAN_2021)
    assert classification.zone == zone
    assert classification.grade is None
    assert classification.index is None


def test_a_score_of_80_995_is_published_as_81_00_and_is_green() -> None:
    classification = classify(Decimal("80.995"), OMBUDSMAN_2021)
    assert classification.score == Decimal("81.00")
    assert classification.zone == "green"


def test_a_score_just_below_80_995_stays_yellow() -> None:
    classification = classify(Decimal("80.9949999"), OMBUDSMAN_2021)
    assert classification.score == Decimal("80.99")
    assert classification.zone == "yellow"


def test_a_score_of_50_995_rounds_up_into_yellow() -> None:
    assert classify(Decimal("50.995"), OMBUDSMAN_2021).zone == "yellow"


@pytest.mark.parametrize(
    ("score", "grade", "zone"),
    [
        ("88.00", "A", "green"),
        ("87.99", "B", "green"),
        ("78.00", "B", "green"),
        ("77.99", "C", "yellow"),
        ("57.00", "C", "yellow"),
        ("56.99", "D", "red"),
        ("37.00", "D", "red"),
        ("36.99", "E", "red"),
        ("0", "E", "red"),
    ],
)
def test_ombudsman_2022_grades_and_their_zones(score: str, grade: str, zone: str) -> None:
    classification = classify(Decimal(score), OMBUDSMAN_2022)
    assert (classification.grade, classification.zone) == (grade, zone)


def test_ombudsman_2022_labels_name_the_opinion() -> None:
    assert classify(Decimal("90"), OMBUDSMAN_2022).label.id == "Kualitas Tertinggi"
    assert classify(Decimal("10"), OMBUDSMAN_2022).label.id == "Kualitas Terendah"


@pytest.mark.parametrize(
    ("score", "index", "grade"),
    [
        ("100", "5.00", "A"),
        ("90.20", "4.51", "A"),
        ("90.19", "4.51", "A"),
        ("90.09", "4.50", "A-"),
        ("80.20", "4.01", "A-"),
        ("80.00", "4.00", "B"),
        ("70.20", "3.51", "B"),
        ("70.00", "3.50", "B-"),
        ("60.20", "3.01", "B-"),
        ("60.10", "3.01", "B-"),
        ("60.09", "3.00", "C"),
        ("60.00", "3.00", "C"),
        ("50.20", "2.51", "C"),
        ("50.00", "2.50", "C-"),
        ("40.20", "2.01", "C-"),
        ("40.00", "2.00", "D"),
        ("30.20", "1.51", "D"),
        ("30.00", "1.50", "E"),
        ("20.20", "1.01", "E"),
        ("20.00", "1.00", "F"),
        ("0", "0.00", "F"),
    ],
)
def test_panrb_ipp_grades_the_index_rounded_half_up(score: str, index: str, grade: str) -> None:
    classification = classify(Decimal(score), PANRB_IPP)
    assert classification.index == Decimal(index)
    assert classification.grade == grade
    assert classification.zone is None


def test_panrb_ipp_b_minus_is_baik_dengan_catatan() -> None:
    assert classify(Decimal("62.00"), PANRB_IPP).label.id == "Baik (Dengan Catatan)"


def test_the_ipp_index_is_taken_from_the_rounded_score() -> None:
    # 60.095 rounds to 60.10 → 3.005 → 3.01 (B-); dividing the raw score would give 3.00475 → 3.00 (C).
    assert ipp_index(Decimal("60.095")) == Decimal("3.01")
    assert classify(Decimal("60.095"), PANRB_IPP).grade == "B-"


@pytest.mark.parametrize("score", ["-0.01", "100.01"])
def test_a_score_outside_0_to_100_is_refused(score: str) -> None:
    with pytest.raises(InvalidInput):
        classify(Decimal(score), OMBUDSMAN_2021)


@pytest.mark.parametrize(("zone", "name"), [("green", "hijau"), ("yellow", "kuning"), ("red", "merah"), (None, None)])
def test_zones_are_shown_in_bahasa_indonesia(zone: str | None, name: str | None) -> None:
    assert zone_name_id(zone) == name


@given(st.decimals(min_value=0, max_value=100, places=4), st.sampled_from(sorted(PROFILES)))
def test_a_higher_score_never_gets_a_worse_classification(score: Decimal, key: str) -> None:
    profile = PROFILES[key]
    ranks = {cutoff.label: rank for rank, cutoff in enumerate(profile.cutoffs)}
    higher = min(score + Decimal("0.5"), Decimal(100))
    assert ranks[classify(higher, profile).label] <= ranks[classify(score, profile).label]


# --- profiles as data ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", sorted(PROFILES))
def test_every_shipped_profile_survives_a_json_round_trip(key: str) -> None:
    stored = json.loads(json.dumps(profile_to_dict(PROFILES[key])))
    assert profile_from_dict(stored) == PROFILES[key]


def test_an_edited_profile_classifies_with_its_own_cut_offs() -> None:
    edited = profile_to_dict(OMBUDSMAN_2022)
    edited["key"] = "ombudsman-2022-revisi"
    edited["cutoffs"][0]["min"] = "89.59"
    profile = profile_from_dict(edited)
    assert classify(Decimal("89.00"), profile).grade == "B"
    assert classify(Decimal("89.59"), profile).grade == "A"


def test_cut_offs_may_be_given_as_numbers() -> None:
    edited = profile_to_dict(OMBUDSMAN_2021)
    edited["cutoffs"][0]["min"] = 80
    assert profile_from_dict(edited).cutoffs[0].min == Decimal(80)


def test_an_unknown_profile_key_is_refused() -> None:
    with pytest.raises(InvalidInput):
        profile_for_key("ombudsman-1999")
    assert profile_for_key("panrb-ipp") is PANRB_IPP


def _edited(profile: Profile, change: Any) -> dict[str, Any]:
    data = profile_to_dict(profile)
    change(data)
    return data


@pytest.mark.parametrize(
    ("profile", "change", "field"),
    [
        (OMBUDSMAN_2021, lambda d: d["cutoffs"][1].update(min="81.00"), "profile.cutoffs[1].min"),
        (OMBUDSMAN_2021, lambda d: d["cutoffs"][1].update(min="90"), "profile.cutoffs[1].min"),
        (OMBUDSMAN_2021, lambda d: d["cutoffs"][0].update(min="100.01"), "profile.cutoffs[0].min"),
        (OMBUDSMAN_2021, lambda d: d["cutoffs"][2].update(min="10"), "profile.cutoffs[2].min"),
        (OMBUDSMAN_2021, lambda d: d["cutoffs"][2].update(min="-1"), "profile.cutoffs[2].min"),
        (OMBUDSMAN_2021, lambda d: d["cutoffs"][0].update(min="banyak"), "profile.cutoffs[0].min"),
        (OMBUDSMAN_2021, lambda d: d["cutoffs"][0].update(min=True), "profile.cutoffs[0].min"),
        (OMBUDSMAN_2021, lambda d: d["cutoffs"][0].update(min="NaN"), "profile.cutoffs[0].min"),
        (OMBUDSMAN_2021, lambda d: d["cutoffs"][0].update(zone="hijau"), "profile.cutoffs[0].zone"),
        (OMBUDSMAN_2021, lambda d: d["cutoffs"][0]["label"].update(id=""), "profile.cutoffs[0].label.id"),
        (OMBUDSMAN_2021, lambda d: d["cutoffs"][0].update(colour="#0f0"), "profile.cutoffs[0].colour"),
        (OMBUDSMAN_2021, lambda d: d.update(cutoffs=[]), "profile.cutoffs"),
        (OMBUDSMAN_2021, lambda d: d.update(kind="stars"), "profile.kind"),
        (OMBUDSMAN_2021, lambda d: d.update(key="Ombudsman 2021"), "profile.key"),
        (OMBUDSMAN_2022, lambda d: d["cutoffs"][0].update(grade=None), "profile.cutoffs[0].grade"),
        (OMBUDSMAN_2022, lambda d: d["cutoffs"][1].update(grade="A"), "profile.cutoffs"),
        (PANRB_IPP, lambda d: d["cutoffs"][0].update(min="5.01"), "profile.cutoffs[0].min"),
        (PANRB_IPP, lambda d: d["cutoffs"][0].update(zone="green"), "profile.cutoffs[0].zone"),
    ],
)
def test_a_broken_profile_is_refused_naming_the_field(profile: Profile, change: Any, field: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        profile_from_dict(_edited(profile, change))
    assert refused.value.field == field
    assert refused.value.status == 422
