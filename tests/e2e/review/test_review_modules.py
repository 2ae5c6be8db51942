"""The review console's pure helpers, run as the real ES modules in the browser: how an answer reads and is coloured
(the same reading of a value as the scoring's, reverse indicators included), which filters a queue link keeps, and
how a score and its zone or grade are shown."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_an_answer_is_coloured_by_the_scorings_reading_of_its_value(run_module):
    found = run_module(
        "views/review-visit.js",
        """
        const base = {is_answered: true, not_applicable: false, required: true, weight: 1, reverse: false, score: null};
        const choices = [{value: 'none'}, {value: 'unit'}, {value: 'mpp'}];
        const bands = [{max: 15, score: 1}, {max: 30, score: 0.67}, {max: null, score: 0}];
        return [
          m.answerTone({...base, type: 'yes_no', value: true}),
          m.answerTone({...base, type: 'yes_no', value: true, reverse: true}),
          m.answerTone({...base, type: 'scale_0_3', value: 2}),
          m.answerTone({...base, type: 'choice', value: 'none', choices}),
          m.answerTone({...base, type: 'number', value: 20, bands}),
          m.answerTone({...base, type: 'text', value: 'x', weight: 0}),
          m.answerTone({...base, type: 'yes_no', value: true, not_applicable: true}),
          m.answerTone({...base, is_answered: false, type: 'yes_no', value: null}),
          m.answerTone({...base, type: 'yes_no', value: false, score: '1.0000'}),
        ];""",
    )
    assert found == ["good", "bad", "partial", "bad", "partial", None, None, "bad", "good"]


def test_an_answer_reads_as_a_person_would_say_it(run_module):
    found = run_module(
        "views/review-visit.js",
        """
        const base = {is_answered: true, not_applicable: false};
        const choices = [{value: 'none', label: {id: 'Tidak ada', en: 'None'}}];
        return [
          m.answerText({...base, type: 'yes_no', value: false}, 'id'),
          m.answerText({...base, type: 'scale_0_3', value: 2}, 'id'),
          m.answerText({...base, type: 'choice', value: 'none', choices}, 'en'),
          m.answerText({...base, type: 'number', value: 12, unit: 'min'}, 'id'),
          m.answerText({...base, not_applicable: true, type: 'yes_no', value: null}, 'id'),
          m.answerText({is_answered: false, type: 'yes_no'}, 'id'),
        ];""",
    )
    assert found == ["Tidak", "2 dari 3", "None", "12 menit", "Tidak berlaku", "tidak dijawab"]


def test_a_scored_choice_is_coloured_by_its_points_and_a_worded_yes_no_reads_in_its_form_s_words(run_module):
    found = run_module(
        "views/review-visit.js",
        """
        const base = {is_answered: true, not_applicable: false, required: true, weight: 1, reverse: false, score: null};
        const best_first = [{value: 'baik', score: 2}, {value: 'sedang', score: 1}, {value: 'buruk', score: 0}];
        const worded = [
          {value: 'tidak', label: {id: 'Tidak ada', en: 'Absent'}, score: 0},
          {value: 'ya', label: {id: 'Ada', en: 'Present'}, score: 1},
        ];
        return [
          m.answerTone({...base, type: 'choice', value: 'baik', choices: best_first}),
          m.answerTone({...base, type: 'choice', value: 'sedang', choices: best_first}),
          m.answerTone({...base, type: 'choice', value: 'buruk', choices: best_first}),
          m.answerText({...base, type: 'yes_no', value: true, choices: worded}, 'id'),
          m.answerText({...base, type: 'yes_no', value: false, choices: worded}, 'en'),
        ];""",
    )
    assert found == ["good", "partial", "bad", "Ada", "Absent"]


def test_a_queue_link_keeps_an_empty_wave_or_status_because_it_means_all(run_module):
    found = run_module(
        "views/review-common.js",
        """
        return [
          m.queueSearch({wave: '', region: '', agency: 'a1', status: '', flag: ''}),
          m.queueSearch({wave: 'w1', status: 'approved', flag: 'geo.outside', offset: 100}),
        ];""",
    )
    assert found == ["wave=&agency=a1&status=", "wave=w1&status=approved&flag=geo.outside&offset=100"]


def test_a_score_keeps_two_decimals_and_ipp_results_are_counted_by_grade(run_module):
    found = run_module(
        "components/zones.js",
        """
        return {
          scores: [m.formatScore('80.90'), m.formatScore(null), m.formatScore('100')],
          zone: m.categoryOf({score: '51.00', zone: 'yellow', grade: null}),
          grade: m.categoryOf({score: '70.20', zone: null, grade: 'B-'}),
          unscored: m.categoryOf({score: null, zone: null}),
          counts: m.countByCategory([{score: '95', zone: null, grade: 'A'}, {score: null}], 'ipp'),
        };""",
    )
    assert found["scores"] == ["80,90", "–", "100,00"]
    assert (found["zone"], found["grade"], found["unscored"]) == ("yellow", "B-", "none")
    assert found["counts"]["A"] == 1 and found["counts"]["none"] == 1 and found["counts"]["F"] == 0
