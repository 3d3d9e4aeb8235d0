"""Search text: folding and tokenising Vietnamese the same way here and in ``search.js``.

A search term is a folded *syllable* (Vietnamese writes one syllable per word: ``Hà Nội`` is
two) or a *pair* of adjacent syllables (``ha noi``), so a multi-syllable query can prefer the
documents where its words stand together.

Folding, on both sides: Unicode NFD, lower case, drop the combining marks U+0300–U+036F (tones,
breve, circumflex, horn: ``ư`` → ``u``, ``ơ`` → ``o``) and write ``đ`` as ``d``, so ``ha noi``,
``Hà Nội`` and ``HÀ NỘI`` (typed precomposed or decomposed) give the same terms.

Tokenising, on both sides: split the text into runs of letters, digits and those combining
marks, fold each run, and keep the runs of letters and digits of the result (at most
``MAX_TOKEN`` characters each): ``"1.200 hộ dân"`` → ``1``, ``200``, ``ho``, ``dan``.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections import Counter
from itertools import chain, pairwise

MAX_TOKEN = 32
MARKS = re.compile("[\u0300-\u036f]+")
# Letters and digits (\w without "_"), plus the marks folding removes.
RUN = re.compile("(?:[^\\W_]|[\u0300-\u036f])+")
WORD = re.compile(r"[^\W_]+")

BLOCK_END = re.compile(
    r"</(p|div|h[1-6]|li|tr|td|th|figcaption|figure|blockquote|pre|ul|ol|table)>|<br\s*/?>",
    re.IGNORECASE,
)
TAG = re.compile(r"<[^>]*>")
SPACE = re.compile(r"\s+")

# Values of a document's terms: how often the term occurs, plus TITLE when the title has it.
TITLE = 1 << 24


def fold(text: str) -> str:
    """Return ``text`` folded for search: NFD, lower case, no tone/diacritic marks, đ → d."""
    return MARKS.sub("", unicodedata.normalize("NFD", text).lower()).replace("đ", "d")


def _run_tokens(run: str) -> tuple[str, ...]:
    return tuple(word[:MAX_TOKEN] for word in WORD.findall(fold(run)))


class _Runs(dict):
    """Memo of run → tokens: a corpus repeats a few thousand words, folding each once is faster."""

    def __missing__(self, run: str) -> tuple[str, ...]:
        if len(self) > 200_000:
            self.clear()
        tokens = self[run] = _run_tokens(run)
        return tokens


_RUNS = _Runs()


def tokens(text: str) -> list[str]:
    """Return the folded syllables of ``text``, in order."""
    return list(chain.from_iterable(map(_RUNS.__getitem__, RUN.findall(text))))


def pairs(syllables: list[str]) -> map:
    """Return the adjacent pairs of ``syllables`` as ``"first second"`` terms."""
    return map(" ".join, pairwise(syllables))


def plain_text(fragment: str) -> str:
    """Return the visible text of an HTML fragment: blocks separated, whitespace collapsed, NFC."""
    spaced = BLOCK_END.sub(" ", fragment)
    text = html.unescape(TAG.sub("", spaced))
    return SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip()


def excerpt(text: str, limit: int = 160) -> str:
    """Return the start of ``text``, cut at a space within ``limit`` characters, with "…"."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:.–-") + "…"


def document_terms(title: str, fields: list[str]) -> tuple[int, dict[str, int]]:
    """Return (length in syllables, term → value) for one document.

    A value is the number of times the term occurs in the title and ``fields`` (pairs are
    counted within one field, never across two), plus ``TITLE`` if it occurs in the title.
    """
    counts: Counter[str] = Counter()
    length = 0
    in_title: set[str] = set()
    for number, text in enumerate([title, *fields]):
        syllables = tokens(text)
        length += len(syllables)
        counts.update(syllables)
        counts.update(pairs(syllables))
        if number == 0:
            in_title.update(syllables, pairs(syllables))
    for term in in_title:
        counts[term] += TITLE
    return length, dict(counts)
