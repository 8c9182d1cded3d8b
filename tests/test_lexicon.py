"""The built-in lexicons keep to what makes the word pass cheap."""

from __future__ import annotations

import pytest

from imr_rules.facts import Extractor


def test_every_regex_phrase_starts_with_a_word_or_a_digit() -> None:
    """A regex phrase is tried only at the words its literal first word begins, or at words
    of digits; one that starts otherwise ("(?:one|two|\\d+) weeks ...") is searched at every
    character of every block, which once cost extraction a sixth of its time."""
    regexes = Extractor()._families_with_subject._regex
    assert regexes is not None
    scanned = [regexes.entries[k][0].pattern for k in regexes._unprefixed
               if k not in regexes._digit_led]
    assert scanned == []


def test_few_regex_phrases_start_with_a_digit() -> None:
    """Each digit-led regex phrase is tried at every number of a letter (dates, doses, scores):
    about 30 a letter. Keep them to the one that needs it (pain scores "7/10 with medication")."""
    regexes = Extractor()._families_with_subject._regex
    assert regexes is not None
    assert len(regexes._digit_led) <= 1, [regexes.entries[k][0].pattern for k in
                                           regexes._digit_led]


def test_a_device_with_a_modality_outside_the_vocabulary_is_refused() -> None:
    from imr_rules.errors import ImrError
    from imr_rules.lexicon import Lexicon

    with pytest.raises(ImrError, match="device Zapper: modality 'zap'"):
        Lexicon.default().extended({"devices": [{"name": "Zapper", "modality": "zap"}]})


@pytest.mark.parametrize(("concepts", "said"), [
    ({"documentation": {"adl": {"phrases": ["walks daily"], "absent_also": ["walking"]}}},
     "absent_also 'walking'"),
    ({"documentation": {"adl": {"phrases": ["walks daily"], "present_also": ["walking"]}}},
     "present_also 'walking'"),
    ({"drug_test_result": {"maybe": ["equivocal"]}}, "drug_test_result 'maybe'"),
    ({"normal_finding": {"exam": {"hoffmann_sign": ["negative hoffmann"]}}},
     "normal_finding exam.hoffmann_sign"),
    ({"documentation": {"conservative_care_failed": {"failed_treatments": ["yoga"]}}},
     "failed_treatments 'yoga'"),
    ({"normal_examination": {"exam": {"covers": ["hoffmann_sign"], "phrases": ["neuro ok"]}}},
     "normal_examination exam: no finding exam.hoffmann_sign"),
    ({"range_of_motion": {"motions": {"flexion": {"phrases": [], "normal": {"spine": 60}}}}},
     "range_of_motion flexion: region 'spine'"),
    ({"range_of_motion": {"motions": {"twist": {"phrases": ["twist"],
                                                "normal": {"lumbar": "sixty"}}}}},
     "range_of_motion twist.lumbar: normal 'sixty'"),
    ({"range_of_motion": {"decreased_below": 90}}, "range_of_motion decreased_below 90"),
    ({"range_of_motion": {"decreased_below": "most"}},
     "range_of_motion decreased_below 'most'"),
])
def test_lexicon_additions_outside_the_vocabulary_are_refused(concepts: dict[str, object],
                                                              said: str) -> None:
    from imr_rules.errors import ImrError
    from imr_rules.lexicon import Lexicon

    with pytest.raises(ImrError, match=said):
        Lexicon.default().extended({"concepts": concepts})


@pytest.mark.parametrize("period", ["long_term_use", "chronic_pain_after", "recent_surgery"])
@pytest.mark.parametrize("days", ["six months", 0, True, 12.5])
def test_a_period_that_is_not_a_number_of_days_is_refused(period: str, days: object) -> None:
    from imr_rules.errors import ImrError
    from imr_rules.lexicon import Lexicon

    with pytest.raises(ImrError, match=f"{period}: days must be a whole number"):
        Lexicon.default().extended({"concepts": {period: {"days": days}}})
