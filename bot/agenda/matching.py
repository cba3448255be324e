"""Finding what a person meant: exact, then contained, then fuzzy, in either language."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from rapidfuzz import fuzz, process

T = TypeVar("T")

_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def normalise(text: str) -> str:
    """Fold case, width and punctuation so "Q&A", "q & a" and "Ｑ＆Ａ" compare equal."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_PUNCT.sub(" ", folded).split())


@dataclass(frozen=True)
class Found(Generic[T]):
    """The outcome of a lookup: what matched, and if nothing did, what was close."""

    matches: tuple[T, ...]
    suggestions: tuple[T, ...] = ()


class Matcher(Generic[T]):
    """An index of items by their names (several per item: English, Korean, id)."""

    def __init__(self, items: Iterable[tuple[T, Sequence[str]]]) -> None:
        self._items: list[T] = []
        self._keys: list[str] = []  # normalised names
        self._owner: list[int] = []  # index into _items, per name
        self._exact: dict[str, list[int]] = {}
        self._fuzzy_keys: list[str] = []
        self._fuzzy_owner: list[int] = []
        for item in items:
            idx = len(self._items)
            self._items.append(item[0])
            for name in item[1]:
                key = normalise(name)
                if not key:
                    continue
                self._keys.append(key)
                self._owner.append(idx)
                owners = self._exact.setdefault(key, [])
                if idx not in owners:
                    owners.append(idx)
                # Single words too, so a misspelt surname ("Watanabi") finds its person.
                words = key.split()
                for word in words if len(words) > 1 else ():
                    if len(word) >= 3:
                        self._fuzzy_keys.append(word)
                        self._fuzzy_owner.append(idx)
        # Squashed keys ignore spacing, as Korean is often typed with or without spaces.
        self._squashed = [k.replace(" ", "") for k in self._keys]
        self._fuzzy_keys += self._keys
        self._fuzzy_owner += self._owner

    def find(self, query: str, limit: int = 5, cutoff: float = 80.0) -> Found[T]:
        """Items named `query`: exact names first, then names containing every word of
        the query, then close spellings; suggestions when none of these matched."""
        q = normalise(query)
        if not q:
            return Found(())
        exact = self._exact.get(q)
        if exact:
            return Found(tuple(self._items[i] for i in exact))
        words = q.split()
        squashed_q = q.replace(" ", "")
        contained: list[int] = []
        for pos, key in enumerate(self._keys):
            owner = self._owner[pos]
            if owner in contained:
                continue
            if all(w in key for w in words) or squashed_q in self._squashed[pos]:
                contained.append(owner)
        if contained:
            return Found(tuple(self._items[i] for i in contained[:limit]))
        if len(q) < 3:
            return Found(())  # one or two letters are close to everything
        scored = process.extract(
            q, self._fuzzy_keys, scorer=fuzz.WRatio, limit=limit * 3, score_cutoff=50.0
        )
        close: list[int] = []
        near: list[int] = []
        for _key, score, pos in scored:
            owner = self._fuzzy_owner[pos]
            target = close if score >= cutoff else near
            if owner not in close and owner not in near:
                target.append(owner)
        if close:
            return Found(tuple(self._items[i] for i in close[:limit]))
        return Found((), tuple(self._items[i] for i in near[:3]))
