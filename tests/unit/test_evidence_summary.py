"""The one line a reviewer reads first: how strong a visit's evidence is, and which flags make it so."""

from __future__ import annotations

from server.domain.review.evidence import strongest_severity, summarize_evidence


def test_a_visit_without_flags_or_with_information_only_has_sound_evidence():
    for flags in ([], [("photo.no_exif", "info"), ("photo.no_exif", "info")]):
        summary = summarize_evidence(flags)
        assert summary.strength == "sound" and summary.reasons == []
        assert summary.line == "Evidence sound: no warning or critical flag."
    assert summarize_evidence([]).strongest is None
    assert summarize_evidence([("photo.no_exif", "info")]).strongest == "info"


def test_a_warning_makes_the_evidence_doubtful_and_names_the_flag():
    summary = summarize_evidence([("photo.no_exif", "info"), ("visit.too_fast", "warning")])
    assert (summary.strength, summary.strongest, summary.reasons) == ("doubtful", "warning", ["visit.too_fast"])
    assert summary.line == "Evidence doubtful: visit.too_fast."


def test_a_critical_flag_makes_it_weak_and_comes_first_each_code_once():
    summary = summarize_evidence(
        [
            ("visit.too_fast", "warning"),
            ("photo.reused", "warning"),
            ("photo.reused", "critical"),
            ("geo.mocked", "warning"),
            ("photo.reused", "warning"),
        ]
    )
    assert summary.strength == "weak" and summary.strongest == "critical"
    assert summary.reasons == ["photo.reused", "geo.mocked", "visit.too_fast"]


def test_the_strongest_severity_ignores_what_it_does_not_know():
    assert strongest_severity(["info", "warning"]) == "warning"
    assert strongest_severity(["bogus"]) is None
