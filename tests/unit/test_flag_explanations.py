from server.domain.review.explanations import EXPLANATIONS, explain_flag
from server.domain.visits.integrity import FLAG_CODES


def test_every_flag_code_is_explained_in_bahasa_indonesia_and_english():
    assert set(EXPLANATIONS) == set(FLAG_CODES)
    for code in FLAG_CODES:
        explanation = explain_flag(code)
        assert len(explanation.id) > 40 and len(explanation.en) > 40, code
        assert explanation.id != explanation.en, code


def test_a_flag_code_added_later_gets_a_generic_explanation_not_an_error():
    explanation = explain_flag("photo.something_new")

    assert explanation.en.startswith("An automatic finding") and explanation.id
