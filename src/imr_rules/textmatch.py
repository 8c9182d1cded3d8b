"""Fast matching of many phrases: character-trie regexes over lower-cased text.

Both the trigger lexicon (`assertion`) and the concept lexicons (`lexicon`) match hundreds of
phrases in every sentence of millions of letters. A plain alternation makes the regex engine
try every branch at every position; a trie shares prefixes, so a position costs one branch per
character. Text is lower-cased once (ASCII only, so offsets never move) and matched without
IGNORECASE, which is several times faster in CPython's `re`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from itertools import accumulate, compress, repeat
from operator import add
from typing import Any, TypeVar

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


# Numbers written as words, as letters write counts and durations ("two weeks", "a few days",
# "twice ... four times a year"), shared by the request classifier and the fact extractor.
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a": 1, "an": 1,
                "several": 3, "few": 2, "couple": 2}

# --- word-token phrase index --------------------------------------------------------------------

_TOKEN = re.compile(r"[a-z0-9]+")
_TOKEN_SPLIT = re.compile(r"([a-z0-9]+)")
_WORD_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
# Every ASCII character that is not a word character, as a space.
_SPACED = str.maketrans({chr(c): chr(c) if chr(c) in _WORD_CHARS else " " for c in range(128)})
# What may stand between two words of one phrase: "low back pain", "flare-up", "sprain/strain",
# "ADL's", "PM&R", "Tylenol #3", "Voltaren 1% gel", "4+/5 strength" — but not a comma or a full
# stop.
_JOINER = re.compile(r"[\s\-/&'\u2019#%+]*")


class Tokens:
    """The words of a text (lower-cased, with their offsets), computed once per block."""

    __slots__ = ("text", "lowered", "words", "starts", "_joined")

    def __init__(self, text: str, lowered: str | None = None) -> None:
        low = lowered if lowered is not None else lower(text)
        self.text = text
        self.lowered = low
        self.words: list[str]
        self.starts: list[int]
        self.words, self.starts = _ascii_words(low) if low.isascii() else _any_words(low)
        self._joined: dict[int, bool] = {}

    def word_starts(self) -> list[int]:
        """For ASCII text: where `assertion` words start (letters and digits, joined over an
        apostrophe: "patient's" is one word there and two here)."""
        starts = self.starts[:]
        low = self.lowered
        # Drop the words that follow a lone apostrophe between two words (rare: found by
        # searching the text, not by looking at every gap).
        dropped = []
        at = low.find("'", 1)
        while at >= 0:
            if at + 1 < len(low) and low[at - 1] in _WORD_CHARS and low[at + 1] in _WORD_CHARS:
                dropped.append(bisect_left(starts, at + 1))
            at = low.find("'", at + 1)
        for k in reversed(dropped):
            del starts[k]
        return starts

    def joined(self, i: int) -> bool:
        """Whether word i and word i+1 may belong to one phrase (no comma or stop between)."""
        ok = self._joined.get(i)
        if ok is None:
            ok = self._joined[i] = _JOINER.fullmatch(
                self.text, self.starts[i] + len(self.words[i]), self.starts[i + 1]) is not None
        return ok


def _ascii_words(low: str) -> tuple[list[str], list[int]]:
    """The words of an ASCII lower-cased text and their starts."""
    # With every separator a single space, the text splits into its words and one empty
    # string per further separator; a piece starts after the pieces before it and one space
    # after each.
    pieces = low.translate(_SPACED).split(" ")
    at = accumulate(map(add, map(len, pieces), repeat(1)), initial=0)
    return list(filter(None, pieces)), list(compress(at, pieces))


def _any_words(low: str) -> tuple[list[str], list[int]]:
    """`_ascii_words` for any lower-cased text."""
    # One split (gap, word, gap, word, ..., gap) and running lengths give every offset
    # without a Python-level loop over the words.
    parts = _TOKEN_SPLIT.split(low)
    return parts[1::2], list(accumulate(map(len, parts)))[0:-1:2]


def phrase_words(phrase: str) -> tuple[str, ...]:
    """The words of a lexicon phrase, as `Tokens` cuts text."""
    return tuple(_TOKEN.findall(lower(phrase)))


_T = TypeVar("_T")
# Distinct words a `WordTable` remembers (a module constant: a compiled subclass of dict does
# not see class attributes through `self`).
WORD_TABLE_LIMIT = 200_000


class WordTable(dict[str, _T]):
    """word -> what `describe(word)` says of it, computed when the word is first asked for.

    The vocabulary of letters is small: after a few letters nearly every word is known, and
    `map(table.__getitem__, tokens.words)` describes a whole text in one C-level pass. The
    owner clears the table when it grows past a bound (`bounded`).
    """

    def __init__(self, describe: Callable[[str], _T]) -> None:
        super().__init__()
        self._describe = describe

    def __missing__(self, word: str) -> _T:
        value = self[word] = self._describe(word)
        return value

    def bounded(self) -> WordTable[_T]:
        """This table, emptied first if it holds more than `WORD_TABLE_LIMIT` words."""
        if len(self) > WORD_TABLE_LIMIT:
            self.clear()
        return self


class LeadWords:
    """The words a pattern's matches can start with: exact words, word beginnings, or short
    numbers. A text none of whose words is one cannot hold a match, so the pattern need not
    be searched there (for a pattern whose every match starts a word)."""

    def __init__(self, words: Iterable[str], prefixes: tuple[str, ...] = (),
                 digits: int = 0) -> None:
        """`digits`: numbers of at most that many digits lead too."""
        exact = frozenset(words)
        self._table: WordTable[bool] = WordTable(
            lambda w: w in exact or w.startswith(prefixes) or (
                0 < len(w) <= digits and w.isdigit()))

    def any_in(self, words: list[str]) -> bool:
        """Whether one of `words` (`Tokens` words) can start a match."""
        return any(map(self._table.bounded().__getitem__, words))


# A phrase of a `PhraseIndex`: (group, number of words, value, exact text or None, the words
# joined by single spaces, the words).
_Entry = tuple[int, int, str, str | None, str, tuple[str, ...]]


class PhraseIndex:
    """Many phrases of many groups (families), matched by one pass over a text's words.

    For each group, matches are the longest phrase at a word and never overlap; groups are
    independent (one word may start a diagnosis and a documentation item).
    """

    def __init__(self) -> None:
        # first word -> its phrases, longest first
        self._first: dict[str, list[_Entry]] = {}
        # The same phrases narrowed by the next word: first word -> {second word -> the
        # entries that can match there (one-word phrases and those with that second word),
        # in bucket order}, and first word -> its one-word entries (every first word is a key).
        self._by_second: dict[str, dict[str, list[_Entry]]] = {}
        self._single: dict[str, list[_Entry]] = {}
        self.groups = 0

    def add_group(self, phrases: list[tuple[str, str, bool]]) -> int:
        """Add a group of (phrase, value, case_sensitive); returns the group's number."""
        group = self.groups
        self.groups += 1
        for phrase, value, exact in phrases:
            words = phrase_words(phrase)
            if not words:
                continue
            bucket = self._first.setdefault(words[0], [])
            bucket.append((group, len(words), value, phrase if exact else None, " ".join(words),
                           words))
            bucket.sort(key=lambda e: -e[1])
        for first, bucket in self._first.items():
            self._single[first] = [e for e in bucket if e[1] == 1]
            seconds = {_second_word(e) for e in bucket if e[1] > 1}
            self._by_second[first] = {w: [e for e in bucket if e[1] == 1 or _second_word(e) == w]
                                      for w in seconds}
        return group

    def find(self, tokens: Tokens, start: int = 0, end: int | None = None,
             ) -> list[list[tuple[str, int, int]]]:
        """Per group, the (value, start, end) of every match inside [start, end)."""
        groups = self.groups
        out: list[list[tuple[str, int, int]]] = [[] for _ in range(groups)]
        free = [0] * groups  # per group: first word index not yet covered by a match
        words, starts, text, low = tokens.words, tokens.starts, tokens.text, tokens.lowered
        stop = len(text) if end is None else end
        bounded = start > 0 or stop < len(text)
        last_word = len(words) - 1
        by_second, single = self._by_second, self._single
        # Most words start no phrase: find the few that do without a Python-level loop.
        for i in compress(range(len(words)), map(single.__contains__, words)):
            w = words[i]
            if bounded:
                if starts[i] < start:
                    continue
                if starts[i] + len(w) > stop:
                    break
            entries = by_second[w].get(words[i + 1], single[w]) if i < last_word else single[w]
            for group, k, value, exact, spaced, pwords in entries:
                if i < free[group]:
                    continue
                s = starts[i]
                if k == 1:
                    e = s + len(spaced)
                else:
                    last = i + k - 1
                    if last > last_word or words[last] != pwords[-1]:
                        continue
                    e = starts[last] + len(words[last])
                    if bounded and e > stop:
                        continue
                    # Mostly the words are written as in the lexicon, one space apart: then the
                    # text is the phrase (words and single-space gaps alike); else check each.
                    if low[s:e] != spaced and not _linked(tokens, i, pwords):
                        continue
                if exact is not None and text[s:e] != exact:
                    continue
                out[group].append((value, s, e))
                free[group] = i + k
        return out


def _second_word(entry: _Entry) -> str:
    """The second word of a phrase of two words or more."""
    return entry[5][1]


def _linked(tokens: Tokens, i: int, pwords: tuple[str, ...]) -> bool:
    """Whether the words from word i on are `pwords` with no comma or stop between."""
    return (tuple(tokens.words[i:i + len(pwords)]) == pwords
            and all(map(tokens.joined, range(i, i + len(pwords) - 1))))


def starts_word(low: str, at: int) -> bool:
    """Whether offset `at` of a text is not inside a word: what a leading `\\b` checks before
    a word character (patterns that drop it for speed check it here)."""
    return not (at and (low[at - 1].isalnum() or low[at - 1] == "_"))


# --- case-insensitive patterns, fast on ASCII text ------------------------------------------

def top_level_alternatives(pattern: str) -> list[str]:
    """`pattern` cut at its top-level `|` (outside groups and character classes)."""
    parts: list[str] = []
    depth, i, last = 0, 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if c == "[":
            j = i + 1
            if j < len(pattern) and pattern[j] == "^":
                j += 1
            j = pattern.index("]", j + 1)
            i = j + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(pattern[last:i])
            last = i + 1
        i += 1
    parts.append(pattern[last:])
    return parts


class Twin:
    """A case-insensitive pattern of the extractor and its fast twin for ASCII text.

    The twin matches the lower-cased text case-sensitively (IGNORECASE costs several times
    the time in `re`), and its alternatives lose their leading `\\b`, which is checked in code:
    a pattern that starts with a word boundary gives `re` no first character to skip ahead
    to. For ASCII text, `search` and `finditer` give the matches of the original pattern
    (group text lower-cased).
    """

    __slots__ = ("slow", "fast", "bounded")

    def __init__(self, slow: re.Pattern[str], strip: bool = True) -> None:
        """`strip`: drop the leading word boundaries (worth it when the alternatives' first
        letters are rare enough for `re` to skip ahead, and they seldom match inside words)."""
        self.slow = slow
        alternatives = top_level_alternatives(slow.pattern)
        self.bounded = strip and all(a.startswith(r"\b") for a in alternatives)
        if self.bounded:
            alternatives = [a[2:] for a in alternatives]
        fast = "|".join(alternatives)
        fast = re.sub(r"(?<!\\)(?<!\(\?)[A-Z]", lambda m: m.group().lower(), fast)
        self.fast = re.compile(fast, slow.flags & ~re.IGNORECASE)

    def search(self, text: str, low: str | None, pos: int, endpos: int,
               ) -> re.Match[str] | None:
        if low is None:
            return self.slow.search(text, pos, endpos)
        m = self.fast.search(low, pos, endpos)
        if self.bounded:
            while m is not None:
                a = m.start()
                if starts_word(low, a):
                    break
                m = self.fast.search(low, a + 1, endpos)
        return m

    def finditer(self, text: str, low: str | None, pos: int, endpos: int,
                 ) -> Iterator[re.Match[str]]:
        if low is None:
            yield from self.slow.finditer(text, pos, endpos)
            return
        if not self.bounded:
            yield from self.fast.finditer(low, pos, endpos)
            return
        while True:
            m = self.search(text, low, pos, endpos)
            if m is None:
                return
            yield m
            pos = m.end() if m.end() > m.start() else m.start() + 1
