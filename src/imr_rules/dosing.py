"""How often a drug is taken: the words of a prescription ("1-2 tabs q6h prn", "two tablets
twice daily", "at bedtime") as units a day, at the most the prescription allows.

The words for each frequency are data (`dose_frequency` in lexicons/concepts.yaml); the grammar
of an interval ("every 6 hours", "q4-6h") and of a count ("3 times a day", "two tablets") is
read here. Used for a request's text and for the words the records tell of a drug.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from imr_rules.errors import ImrError
from imr_rules.textmatch import NUMBER_WORDS

_NUMBER = r"(?:\d{1,2}|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
# "every 6 hours", "q6h", "q 4-6 hrs", "every four to six hours": 24 hours over the shortest.
_INTERVAL = re.compile(r"\b(?:every|q)\s*(?P<a>" + _NUMBER + r")(?:\s*(?:-|\u2013|to)\s*"
                       + _NUMBER + r")?\s*(?:h|hrs?|hours?)\b", re.IGNORECASE)
# "3 times a day", "2x daily", "three times per day", "2 times/day".
_TIMES = re.compile(r"\b(?P<n>" + _NUMBER + r")\s*(?:x|times)\s*(?:a|per|each|/)?\s*"
                    r"(?:day|daily)\b", re.IGNORECASE)
# "two tablets", "1-2 tabs", "one to two capsules": the units of each dose, at their most.
_UNITS = re.compile(r"\b(?:" + _NUMBER + r"\s*(?:-|\u2013|to|or)\s*)?(?P<n>" + _NUMBER
                    + r")\s+(?:tabs?|tablets?|caps?|capsules?|pills?|patch(?:es)?|puffs?)\b",
                    re.IGNORECASE)


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word.lower()]


class DoseFrequency:
    """The frequency words of a lexicon, compiled once: `per_day` reads them in a text."""

    def __init__(self, table: Mapping[Any, Any], source: str = "<lexicon>") -> None:
        by_phrase: dict[str, float] = {}
        for per_day, phrases in table.items():
            if (isinstance(per_day, bool) or not isinstance(per_day, int | float)
                    or per_day <= 0 or not isinstance(phrases, list)):
                raise ImrError(f"dose_frequency: {per_day!r}: a number of doses a day above 0, "
                               "with a list of phrases", file=source,
                               hint="write e.g. `dose_frequency: {2: [twice daily, bid]}`")
            for phrase in phrases:
                by_phrase[str(phrase).lower()] = float(per_day)
        self._per_phrase = by_phrase
        # The words the phrases end with: a text holding none of them is not searched (the
        # search is run for every drug a letter names; last words are the rarer ones).
        self._leads = frozenset(p.split()[-1] for p in by_phrase)
        # Longest phrase first, so "twice daily" is not read as "daily"; a phrase ending in a
        # full stop ("b.i.d.") is not followed by a word boundary.
        alternatives = sorted(by_phrase, key=len, reverse=True)
        self._phrases = re.compile(
            r"\b(?:" + "|".join(
                r"\s+".join(re.escape(w) for w in p.split()) + ("" if p.endswith(".") else r"\b")
                for p in alternatives) + ")", re.IGNORECASE) if alternatives else None

    def _leads_any(self, words: list[str]) -> bool:
        """Whether any of `words` (lower-cased, as split) may end a frequency phrase."""
        leads = self._leads
        for word in words:
            word = word.strip(",;:()")
            if word in leads or word.rstrip(".") in leads:
                return True
        return False

    def per_day(self, text: str, start: int = 0, end: int | None = None
                ) -> tuple[float, int, int] | None:
        """(units a day, start, end of the words that tell it) in `text[start:end]`, or None
        when no frequency is told there. The first frequency told counts."""
        end = len(text) if end is None else end
        low = text[start:end].lower()
        words = low.split()
        found: list[tuple[int, int, float]] = []
        if ("every" in low or "q" in low) and (m := _INTERVAL.search(text, start, end)) \
                and _number(m.group("a")) > 0:
            found.append((m.start(), m.end(), 24 / _number(m.group("a"))))
        if ("x" in low or "times" in low) and (m := _TIMES.search(text, start, end)) \
                and _number(m.group("n")) > 0:
            found.append((m.start(), m.end(), float(_number(m.group("n")))))
        if self._phrases is not None and self._leads_any(words) \
                and (m := self._phrases.search(text, start, end)):
            found.append((m.start(), m.end(), self._per_phrase[" ".join(m.group().lower()
                                                                           .split())]))
        if not found:
            return None
        a, b, per_day = min(found)
        # the units of each dose, told right before the frequency ("two tablets once daily")
        units = None
        for u in _UNITS.finditer(text, max(start, a - 40), a):
            units = u
        if units is not None and len(text[units.end():a].split()) <= 3:
            return per_day * _number(units.group("n")), units.start(), b
        return per_day, a, b
