"""Fast matching of many phrases: character-trie regexes over lower-cased text.

Both the trigger lexicon (`assertion`) and the concept lexicons (`lexicon`) match hundreds of
phrases in every sentence of millions of letters. A plain alternation makes the regex engine
try every branch at every position; a trie shares prefixes, so a position costs one branch per
character. Text is lower-cased once (ASCII only, so offsets never move) and matched without
IGNORECASE, which is several times faster in CPython's `re`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

ASCII_LOWER = {c: c + 32 for c in range(65, 91)}


def lower(text: str) -> str:
    """`text` in lower case with every character at the same offset."""
    low = text.lower()
    return low if len(low) == len(text) else text.translate(ASCII_LOWER)


def trie_regex(phrases: Iterable[str], hyphen_optional: bool = False) -> str:
    """One alternation over `phrases` (lower case, words separated by spaces) as a character
    trie, longest continuation first. Words may be separated by any whitespace; with
    `hyphen_optional`, a hyphen may also be a space or absent ("flare-up", "flare up")."""
    trie: dict[str, Any] = {}
    for phrase in phrases:
        node = trie
        for w_i, word in enumerate(phrase.split()):
            if w_i:
                node = node.setdefault(" ", {})
            for ch in word:
                node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any], last: str) -> str:
        alts: list[str] = []
        for ch in sorted(k for k in node if k):
            if ch == " ":
                piece = r"\s+"
            elif ch == "-" and hyphen_optional:
                piece = r"[-\s]?"
            else:
                piece = re.escape(ch)
            alts.append(piece + emit(node[ch], ch))
        if "" in node:
            alts.append(r"(?![\w])" if last.isalnum() else "")
        if len(alts) == 1:
            return alts[0]
        return "(?:" + "|".join(alts) + ")"

    return emit(trie, "")


# --- word-token phrase index --------------------------------------------------------------------

_TOKEN = re.compile(r"[a-z0-9]+")
# What may stand between two words of one phrase: "low back pain", "flare-up", "sprain/strain",
# "ADL's", "PM&R" — but not a comma or a full stop.
_JOINER = re.compile(r"[\s\-/&'\u2019]*")


class Tokens:
    """The words of a text (lower-cased, with their offsets), computed once per block."""

    __slots__ = ("text", "lowered", "words", "starts", "ends")

    def __init__(self, text: str, lowered: str | None = None) -> None:
        low = lowered if lowered is not None else lower(text)
        self.text = text
        self.lowered = low
        spans = [m.span() for m in _TOKEN.finditer(low)]
        self.starts: list[int] = [a for a, _b in spans]
        self.ends: list[int] = [b for _a, b in spans]
        self.words: list[str] = [low[a:b] for a, b in spans]

    def joined(self, i: int) -> bool:
        """Whether word i and word i+1 may belong to one phrase (no comma or stop between)."""
        return _JOINER.fullmatch(self.text, self.ends[i], self.starts[i + 1]) is not None


def phrase_words(phrase: str) -> tuple[str, ...]:
    """The words of a lexicon phrase, as `Tokens` cuts text."""
    return tuple(_TOKEN.findall(lower(phrase)))


class PhraseIndex:
    """Many phrases of many groups (families), matched by one pass over a text's words.

    For each group, matches are the longest phrase at a word and never overlap; groups are
    independent (one word may start a diagnosis and a documentation item).
    """

    def __init__(self) -> None:
        # first word -> [(group, words, value, exact text or None)], longest phrase first
        self._first: dict[str, list[tuple[int, tuple[str, ...], str, str | None]]] = {}
        self.groups = 0

    def add_group(self, phrases: list[tuple[str, str, bool]]) -> int:
        """Add a group of (phrase, value, case_sensitive); returns the group's number."""
        group = self.groups
        self.groups += 1
        for phrase, value, exact in phrases:
            words = phrase_words(phrase)
            if not words:
                continue
            entry = (group, words, value, phrase if exact else None)
            bucket = self._first.setdefault(words[0], [])
            bucket.append(entry)
            bucket.sort(key=lambda e: -len(e[1]))
        return group

    def find(self, tokens: Tokens, start: int = 0, end: int | None = None,
             ) -> list[list[tuple[str, int, int]]]:
        """Per group, the (value, start, end) of every match inside [start, end)."""
        out: list[list[tuple[str, int, int]]] = [[] for _ in range(self.groups)]
        free = [0] * self.groups  # per group: first word index not yet covered by a match
        words, starts, ends, joined = tokens.words, tokens.starts, tokens.ends, tokens.joined
        stop = len(tokens.text) if end is None else end
        n = len(words)
        first = self._first
        # Most words start no phrase: find the few that do in one comprehension.
        for i in [i for i, w in enumerate(words) if w in first]:
            if starts[i] < start:
                continue
            if ends[i] > stop:
                break
            for group, pwords, value, exact in first[words[i]]:
                if i < free[group]:
                    continue
                k = len(pwords)
                if i + k > n or ends[i + k - 1] > stop:
                    continue
                ok = True
                for j in range(1, k):
                    if words[i + j] != pwords[j] or not joined(i + j - 1):
                        ok = False
                        break
                if not ok:
                    continue
                s, e = starts[i], ends[i + k - 1]
                if exact is not None and tokens.text[s:e] != exact:
                    continue
                out[group].append((value, s, e))
                free[group] = i + k
        return out
