"""The static search index: sharded JSON files that ``search.js`` downloads a few at a time.

Layout under the index folder (``search/data/`` of the site), format version ``VERSION``::

    meta.json      {"avg": mean length, "docs": N, "lengths": "…", "shardDocs": D,
                    "shards": T, "v": VERSION}
    t/<k>.json     {term: postings, …} for the terms whose CRC-32 (of the UTF-8 term) mod T is k
    d/<k>.json     [[url, title, date, topic, excerpt], …] for documents k·D … k·D + D − 1

Documents are numbered 0 … N − 1 in the order the plugin adds them (capture order).  ``lengths`` has one character
per document: its length in syllables, ``round(4·log2(1 + length))`` as a base-64 digit.

Postings are a string of base-64 digits (``ALPHABET``, URL-safe, never escaped in JSON): for
each document holding the term, in document order, the gap from the previous document (the
first gap counts from −1) as a variable-length number — five bits per digit, least significant
first, 32 added to every digit but the last — then one digit: the number of occurrences (at most
15) plus 16 if the title holds the term.

T is the smallest power of two that keeps the average term shard under ``SHARD_BYTES``, so a
query downloads ``meta.json``, one term shard per syllable and pair of the query, and the
document shards of the results it shows.  Everything is sorted and numbered from the content
alone: the same articles give byte-identical files.
"""

from __future__ import annotations

import json
import marshal
import math
import os
import zlib
from dataclasses import dataclass

from scripts.store import overwrite

VERSION = 1
ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
SHARD_BYTES = 8 * 1024
SHARD_DOCS = 5


def vlq(number: int) -> str:
    """Return ``number`` (≥ 0) as base-64 digits, five bits each, least significant first."""
    digits = []
    while True:
        low, number = number & 31, number >> 5
        if not number:
            digits.append(ALPHABET[low])
            return "".join(digits)
        digits.append(ALPHABET[low | 32])


def quantized_length(length: int) -> str:
    """Return a document length as one base-64 digit (about 19 % steps)."""
    return ALPHABET[min(63, round(4 * math.log2(1 + length)))]


_DIGITS = [digit.encode() for digit in ALPHABET]


@dataclass(frozen=True, slots=True)
class Record:
    """What the results list shows for one document."""

    url: str
    title: str
    date: str
    topic: str
    excerpt: str


class IndexBuilder:
    """Collect documents (numbered in the order they come), then write the index folder.

    Postings are encoded as documents arrive (one ``bytearray`` per term, with the number of
    the term's last document), so memory grows with the size of the index, not with the number
    of term occurrences.  Nothing in a posting depends on other documents, so a build whose
    documents start with the previous build's (same keys, same order) can take over that
    build's postings (``state``, ``resume``) and add only the rest: same files as from scratch.
    """

    def __init__(self) -> None:
        self.records: list[Record] = []
        self.lengths: list[int] = []
        self.keys: list[str] = []  # what each document's terms were computed from
        self._excerpts: list[str] = []  # of documents taken over from a previous build
        self._shown: list = []  # and their records' url, title, date and topic, when stored
        # After ``resume``: how many documents and how long each term's postings were.
        self._saved: tuple[int, dict[str, int]] | None = None
        self._postings: dict[str, list] = {}  # term → [postings, last document]
        self._gaps: list[bytes] = [b""]

    def add(
        self, record: Record, length: int, terms: list[str], values: bytes, key: str = ""
    ) -> None:
        """Add the next document.

        ``values`` has one number per term: occurrences (at most 15), plus 16 if in the title.
        """
        number = len(self.records)
        if number != len(self.keys):
            raise ValueError("the documents taken over from the previous build come first")
        self.records.append(record)
        self.lengths.append(length)
        self.keys.append(key)
        gaps = self._gaps
        while len(gaps) <= number + 1:
            gaps.append(vlq(len(gaps)).encode())
        postings = self._postings
        get = postings.get
        digits = _DIGITS
        # The innermost loop of the build: a plain loop is faster here than chains of map().
        for term, value in zip(terms, values, strict=True):
            entry = get(term)
            if entry is None:
                postings[term] = [bytearray(gaps[number + 1] + digits[value]), number]
            else:
                data = entry[0]
                data += gaps[number - entry[1]]
                data += digits[value]
                entry[1] = number

    def state(self, code: str) -> bytes:
        """Return what ``resume`` needs to continue from this build (``code``: see resume)."""
        postings = {t: (bytes(p), last) for t, (p, last) in self._postings.items()}
        return marshal.dumps(self._documents_from(0, code, postings))

    def state_added(self, code: str) -> dict | None:
        """What this build added to the state it resumed from, as ``resume`` applies it after
        that state (``records``): the new documents and, per term, the bytes appended to its
        postings.  ``None`` when the build did not resume (its state is all new)."""
        if self._saved is None:
            return None
        count, saved = self._saved
        postings = {}
        for term, (data, last) in self._postings.items():
            before = saved.get(term, 0)
            if len(data) != before:
                postings[term] = (bytes(data[before:]), last)
        return {**self._documents_from(count, code, postings), "start": count}

    def _documents_from(self, start: int, code: str, postings: dict) -> dict:
        """The state's fields for the documents from number ``start`` on: the one shape that
        ``state`` writes whole and ``state_added`` writes after the documents resumed."""
        records = self.records[start:]
        return {
            "code": code,
            "keys": self.keys[start:],
            "lengths": self.lengths[start:],
            "excerpts": [r.excerpt for r in records],
            "shown": [(r.url, r.title, r.date, r.topic) for r in records],
            "postings": postings,
        }

    def resume(self, state: bytes, code: str, keys: list[str], added: list = ()) -> list[str]:
        """Take over the documents of a previous build if ``keys`` start with its keys.

        ``state`` is what ``state`` returned then, ``added`` what ``state_added`` returned in
        the builds since, in order (one that does not follow on is ignored, with the rest).
        ``code`` identifies the code that computed the state; a state from other code, or one
        that cannot be read, is ignored.  Returns the excerpts of the documents taken over (give
        their records to ``add_resumed``, in order), or [] when nothing was taken over.
        """
        if self.keys:
            raise ValueError("resume comes before the first document")
        try:
            data = marshal.loads(state)
            if data["code"] != code:
                return []
            old_keys, lengths = list(data["keys"]), list(data["lengths"])
            excerpts, shown = list(data["excerpts"]), data.get("shown")
            shown = list(shown) if isinstance(shown, list) and len(shown) == len(excerpts) else None
            postings = {t: [bytearray(p), last] for t, (p, last) in data["postings"].items()}
            for more in added:
                if not (isinstance(more, dict) and more.get("code") == code):
                    break
                if more.get("start") != len(old_keys) or shown is None:
                    break
                old_keys += more["keys"]
                lengths += more["lengths"]
                excerpts += more["excerpts"]
                shown += more["shown"]
                for term, (tail, last) in more["postings"].items():
                    entry = postings.get(term)
                    if entry is None:
                        postings[term] = [bytearray(tail), last]
                    else:
                        entry[0] += tail
                        entry[1] = last
            if not (
                old_keys
                and len(old_keys) == len(lengths) == len(excerpts)
                and keys[: len(old_keys)] == old_keys
            ):
                return []
        except (ValueError, EOFError, TypeError, KeyError):
            return []
        self._postings = postings
        self.keys, self.lengths, self._excerpts = old_keys, lengths, excerpts
        self._shown = shown if shown is not None and len(shown) == len(excerpts) else []
        self._saved = (len(old_keys), {t: len(p) for t, (p, _) in postings.items()})
        return self._excerpts

    def resumed_record(self, number: int) -> Record | None:
        """The previous build's record of document ``number`` (taken over), if it stored one.

        Only the caller knows whether it still holds: search uses it for documents whose key
        covers what a record shows (``search.document_key``).
        """
        if number >= len(self._shown):
            return None
        shown = self._shown[number]
        if not (isinstance(shown, tuple) and len(shown) == 4):
            return None
        return Record(*shown, excerpt=self._excerpts[number])

    def add_resumed(self, record: Record) -> None:
        """Give the record of the next document taken over from the previous build."""
        if len(self.records) >= len(self._excerpts):
            raise ValueError("no more documents were taken over")
        self.records.append(record)

    def shard_count(self) -> int:
        """Return T: the smallest power of two with average term shards under SHARD_BYTES."""
        total = sum(len(p[0]) + len(t.encode()) + 6 for t, p in self._postings.items())
        count = 1
        while total / count > SHARD_BYTES:
            count *= 2
        return count

    def files(self) -> dict[str, bytes]:
        """Return every file of the index folder, by relative path."""
        shards = self.shard_count()
        grouped: list[dict[str, str]] = [{} for _ in range(shards)]
        for term, (postings, _) in self._postings.items():
            grouped[zlib.crc32(term.encode()) % shards][term] = postings.decode("ascii")
        out = {f"t/{k}.json": _json(group) for k, group in enumerate(grouped) if group}
        records = [[r.url, r.title, r.date, r.topic, r.excerpt] for r in self.records]
        for k in range(0, len(records), SHARD_DOCS):
            out[f"d/{k // SHARD_DOCS}.json"] = _json(records[k : k + SHARD_DOCS])
        count = len(self.lengths)
        meta = {
            "avg": round(sum(self.lengths) / count, 2) if count else 0,
            "docs": count,
            "lengths": "".join(map(quantized_length, self.lengths)),
            "shardDocs": SHARD_DOCS,
            "shards": shards,
            "v": VERSION,
        }
        out["meta.json"] = _json(meta)
        return out

    def write(self, folder: str) -> tuple[int, int, int]:
        """Make ``folder`` hold exactly the index; return (files, bytes, files written).

        Files that already hold the right bytes are left alone (a site whose output is kept
        between builds rewrites only what changed); files of an older index are removed.
        """
        files = self.files()
        old = set()
        for path, _, names in os.walk(folder):
            relative = os.path.relpath(path, folder).replace(os.sep, "/")
            old.update(n if relative == "." else f"{relative}/{n}" for n in names)
        written = 0
        made: set[str] = set()  # folders known to exist (4,000 files share three)
        for name, data in files.items():
            path = os.path.join(folder, *name.split("/"))
            if name in old and os.path.getsize(path) == len(data):
                with open(path, "rb") as handle:
                    if handle.read() == data:
                        continue
            parent = os.path.dirname(path)
            if parent not in made:
                os.makedirs(parent, exist_ok=True)
                made.add(parent)
            overwrite(path, data)  # in place: truncating to zero makes ext4 flush on close
            written += 1
        for name in old - files.keys():
            os.remove(os.path.join(folder, name))
        return len(files), sum(map(len, files.values())), written


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
