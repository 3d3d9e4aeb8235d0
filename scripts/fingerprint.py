"""Near-duplicate fingerprints: the same story republished by two sites is one article.

Republishers copy an article with small changes — their own dateline, a dropped caption, an
extra "Theo X" line — so exact hashes miss the copy.  A 64-bit SimHash over word 3-shingles of
the tone-folded text changes in only a few bits for such edits, while unrelated articles differ
in about half of them.  Two texts within :data:`MAX_DISTANCE` bits are taken as one story.
"""

from __future__ import annotations

import hashlib
import re

from scripts.slugs import fold

BITS = 64
# Measured on the demo archive: a copy with its lead rewritten or one paragraph dropped is 1-11
# bits away; unrelated articles are 20-45 bits apart (mean 32).  SimHash only proposes
# candidates; :func:`resemblance` of the shingle sets confirms them, so a rare unrelated pair
# that lands close in bits is never merged.
MAX_DISTANCE = 12
MIN_RESEMBLANCE = 0.6
MIN_WORDS = 40  # below this a fingerprint says too little to merge two articles
_WORD = re.compile(r"\w+")
_TAG = re.compile(r"<[^>]+>")


def words_of(html_or_text: str) -> list[str]:
    """Return the lower-case, tone-folded words of a text or HTML fragment."""
    return _WORD.findall(fold(_TAG.sub(" ", html_or_text)).lower())


def simhash(words: list[str]) -> int | None:
    """Return the 64-bit SimHash of ``words`` (3-word shingles), or None for short texts."""
    if len(words) < MIN_WORDS:
        return None
    hashes = [
        format(int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest()), "064b")
        for s in (" ".join(words[i : i + 3]) for i in range(len(words) - 2))
    ]
    # One string of all the bit rows; column ``b`` is every 64th character from ``b``, so the
    # per-bit vote is a C-speed count instead of a Python loop over 64 bits per shingle.
    rows = "".join(hashes)
    half = len(hashes) / 2
    value = 0
    for bit in range(BITS):
        if rows[bit::BITS].count("1") > half:
            value |= 1 << (BITS - 1 - bit)
    return value


def distance(a: int, b: int) -> int:
    """Return the number of differing bits."""
    return (a ^ b).bit_count()


def shingles(words: list[str]) -> set[str]:
    """Return the set of 3-word shingles of ``words``."""
    return {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}


def resemblance(a: list[str], b: list[str]) -> float:
    """Return the Jaccard resemblance of two texts' shingle sets (0: unrelated, 1: same)."""
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def same_story(a: list[str], b: list[str], fa: int | None, fb: int | None) -> bool:
    """Tell whether two texts are one story: close fingerprints, confirmed by resemblance."""
    if fa is None or fb is None or distance(fa, fb) > MAX_DISTANCE:
        return False
    return resemblance(a, b) >= MIN_RESEMBLANCE
