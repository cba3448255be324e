"""Finding what a person meant: exact, then contained, then misspelt, in either language.

Fuzzy scoring of a query against every title is too slow for a 1,000-session agenda
(tens of milliseconds per query). Instead each word of a query is looked up in the
agenda's vocabulary: contained words narrow the candidates through an inverted index, and
a misspelt word is corrected to its closest vocabulary word (one rapidfuzz pass over a few
thousand short words), so "Dialog with Globel Scholars" reads as "dialogue with global
scholars" and matches as if spelt right.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")

_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
# A corrected word must be this close to the typed one (rapidfuzz ratio, 0-100).
_CORRECT_CUTOFF = 75.0
# Looser, for "did you mean" suggestions only.
_SUGGEST_CUTOFF = 60.0


def normalise(text: str) -> str:
    """Fold case, width and punctuation so "Q&A", "q & a" and "Ｑ＆Ａ" compare equal."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_PUNCT.sub(" ", folded).split())


@dataclass(frozen=True)
class Found(Generic[T]):
    """The outcome of a lookup: what matched, and if nothing did, what was close."""

    matches: tuple[T, ...]
    suggestions: tuple[T, ...] = ()


class WordIndex:
    """Which documents (by number) hold which words, for contained-word queries."""

    def __init__(self, documents: Sequence[str]) -> None:
        self._postings: dict[str, set[int]] = {}
        for doc, text in enumerate(documents):
            for word in text.split():
                self._postings.setdefault(word, set()).add(doc)
        self._vocab = list(self._postings)
        # Korean is typed with or without spaces: one long string of the squashed
        # documents lets "글로벌석학" find "글로벌 석학" with a single C-level search.
        squashed = [d.replace(" ", "") for d in documents]
        self._joined = "\x00".join(squashed)
        self._offsets: list[int] = []
        pos = 0
        for s in squashed:
            self._offsets.append(pos)
            pos += len(s) + 1

    def containing(self, words: Sequence[str]) -> set[int]:
        """Documents in which every word appears, whole or as part of a word."""
        result: set[int] | None = None
        for word in words:
            docs: set[int] = set()
            exact = self._postings.get(word)
            if exact:
                docs |= exact
            for vocab_word in self._vocab:
                if word in vocab_word and vocab_word != word:
                    docs |= self._postings[vocab_word]
            result = docs if result is None else result & docs
            if not result:
                return set()
        return result or set()

    def squashed(self, query: str) -> set[int]:
        """Documents containing the query with all spaces removed from both."""
        needle = query.replace(" ", "")
        found: set[int] = set()
        if not needle:
            return found
        start = self._joined.find(needle)
        while start != -1:
            found.add(bisect.bisect_right(self._offsets, start) - 1)
            start = self._joined.find(needle, start + 1)
        return found

    def correct(self, word: str, cutoff: float = _CORRECT_CUTOFF) -> str | None:
        """The vocabulary word closest to a misspelt `word`, if one is close enough."""
        if len(word) < 3 or word in self._postings:
            return None
        # Only misspelt words need rapidfuzz (a few MiB a running bot keeps for good):
        # it is imported at the first one.
        from rapidfuzz import fuzz, process

        best = process.extractOne(word, self._vocab, scorer=fuzz.ratio, score_cutoff=cutoff)
        return str(best[0]) if best else None

    def near(self, words: Sequence[str], limit: int) -> list[int]:
        """Documents sharing the most loosely-similar words with the query."""
        from rapidfuzz import fuzz, process  # see `correct`

        score: dict[int, float] = {}
        for word in words:
            if len(word) < 3:
                continue
            for vocab_word, similarity, _ in process.extract(
                word, self._vocab, scorer=fuzz.ratio, limit=5, score_cutoff=_SUGGEST_CUTOFF
            ):
                for doc in self._postings[vocab_word]:
                    score[doc] = score.get(doc, 0.0) + similarity
        ranked = sorted(score, key=lambda d: (-score[d], d))
        return ranked[:limit]


class Matcher(Generic[T]):
    """An index of items by their names (several per item: English, Korean, id)."""

    def __init__(self, items: Iterable[tuple[T, Sequence[str]]]) -> None:
        self._items: list[T] = []
        self._exact: dict[str, list[int]] = {}
        names: list[str] = []
        self._owner: list[int] = []
        for item, item_names in items:
            idx = len(self._items)
            self._items.append(item)
            for name in item_names:
                key = normalise(name)
                if not key:
                    continue
                names.append(key)
                self._owner.append(idx)
                owners = self._exact.setdefault(key, [])
                if idx not in owners:
                    owners.append(idx)
        self._index = WordIndex(names)

    def _owners(self, docs: Iterable[int]) -> list[int]:
        return sorted({self._owner[d] for d in docs})

    def find(self, query: str, limit: int = 5) -> Found[T]:
        """Items named `query`: exact names first, then names containing every word of
        the query, then the same with misspelt words corrected; suggestions otherwise."""
        q = normalise(query)
        if not q:
            return Found(())
        exact = self._exact.get(q)
        if exact:
            return Found(tuple(self._items[i] for i in exact))
        words = q.split()
        hits = self._owners(self._index.containing(words) or self._index.squashed(q))
        if not hits:
            corrected = [self._index.correct(w) or w for w in words]
            if corrected != words:
                hits = self._owners(self._index.containing(corrected))
        if hits:
            return Found(tuple(self._items[i] for i in hits[:limit]))
        near: list[int] = []
        for doc in self._index.near(words, limit=limit * 3):
            if self._owner[doc] not in near:
                near.append(self._owner[doc])
        return Found((), tuple(self._items[i] for i in near[:3]))
