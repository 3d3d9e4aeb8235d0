"""Search text: folding and tokenising Vietnamese the same way here and in ``search-index.js``.

A search term is a folded *syllable* (Vietnamese writes one syllable per word: ``Hà Nội`` is
two) or a *pair* of adjacent syllables (``ha noi``), so a multi-syllable query can prefer the
documents where its words stand together.

Folding, on both sides: Unicode NFD, lower case, drop the combining marks U+0300–U+036F (tones,
breve, circumflex, horn: ``ư`` → ``u``, ``ơ`` → ``o``), write ``đ`` as ``d`` (and Greek final
``ς`` as ``σ``, so lower-casing never depends on the neighbours), so ``ha noi``, ``Hà Nội`` and
``HÀ NỘI``, typed precomposed or decomposed, give the same terms.

Tokenising: the runs of letters and digits of the folded text, each cut to ``MAX_TOKEN``
characters: ``"1.200 hộ dân"`` → ``1``, ``200``, ``ho``, ``dan``.  The browser folds each run of
letters, digits and those marks; this side folds each whitespace-separated word, once per
distinct word (a corpus repeats a few thousand); both give the tokens of folding the whole text.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from itertools import chain, pairwise, repeat

MAX_TOKEN = 32
MAX_COUNT = 15
IN_TITLE = 16
MARKS = re.compile("[\u0300-\u036f]+")
WORD = re.compile(r"[^\W_]+")

BLOCK_END = re.compile(
    r"<(?:/(?:p|div|h[1-6]|li|t[rdh]|fig(?:caption|ure)|blockquote|pre|[uo]l|table)|br\s*/?)>",
    re.IGNORECASE,
)
TAG = re.compile(r"<[^>]*>")


def fold(text: str) -> str:
    """Return ``text`` folded for search: NFD, lower case, no tone/diacritic marks, đ → d."""
    lowered = unicodedata.normalize("NFD", text).lower()
    return MARKS.sub("", lowered).replace("đ", "d").replace("ς", "σ")


class _Words(dict):
    """Memo of word → its tokens."""

    def __missing__(self, word: str) -> tuple[str, ...]:
        if len(self) > 500_000:
            self.clear()
        tokens = self[word] = tuple(token[:MAX_TOKEN] for token in WORD.findall(fold(word)))
        return tokens


_WORDS = _Words()


def tokens(text: str | list[str]) -> list[str]:
    """Return the folded syllables of ``text`` (or of its words, already split), in order."""
    words = text.split() if isinstance(text, str) else text
    return list(chain.from_iterable(map(_WORDS.__getitem__, words)))


def visible_words(fragment: str) -> list[str]:
    """Return the words of the visible text of an HTML fragment (blocks separated, NFC)."""
    text = html.unescape(TAG.sub("", BLOCK_END.sub(" ", fragment)))
    return unicodedata.normalize("NFC", text).split()


def plain_text(fragment: str) -> str:
    """Return the visible text of an HTML fragment: blocks separated, whitespace collapsed, NFC."""
    return " ".join(visible_words(fragment))


def excerpt(text: str | list[str], limit: int = 160) -> str:
    """Return the start of ``text``, cut at a space within ``limit`` characters, with "…"."""
    if not isinstance(text, str):  # words: the first ``limit`` of them are more than enough
        text = " ".join(text[:limit])
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:.–-") + "…"


def document_terms(title: str, fields: list[str | list[str]]) -> tuple[int, list[str], bytes]:
    """Return (length in syllables, terms, one value per term) for one document.

    The terms are the syllables and the pairs of adjacent syllables of the title and the
    ``fields`` (texts, or their words; never a pair across two of them).  A value is the number of occurrences, at
    most ``MAX_COUNT``, plus ``IN_TITLE`` when the title has the term.
    """
    syllables: Counter[str] = Counter()
    pairs: Counter[tuple[str, str]] = Counter()
    length = 0
    in_title = (0, 0)
    for number, text in enumerate([title, *fields]):
        words = tokens(text)
        length += len(words)
        syllables.update(words)
        pairs.update(pairwise(words))
        if number == 0:  # the title's terms come first
            in_title = (len(syllables), len(pairs))
    terms = list(syllables)
    terms += map(" ".join, pairs)
    values = bytearray(map(min, syllables.values(), repeat(MAX_COUNT)))
    values += bytearray(map(min, pairs.values(), repeat(MAX_COUNT)))
    for position in chain(range(in_title[0]), range(len(syllables), len(syllables) + in_title[1])):
        values[position] |= IN_TITLE
    return length, terms, bytes(values)
