"""An article restored from the cache keeps its HTML as the cache's UTF-8 bytes until read.

A rebuild restores every article (article_cache.py) but reads the HTML of few: pages, feeds
and search find the unchanged ones' results kept, by keys that the snapshot's digest stands for
(page_memo.py, ``content_identity``).  Decoding 10,000 articles' HTML (5.5 KB of Vietnamese
each, 2 bytes a character once decoded) was 120 ms of a 3 s rebuild and 80 MB of memory the
process then had to be given.  So a snapshot keeps the HTML beside the pickled object, as UTF-8
bytes, and a restored object holds those bytes (``LAZY``, a :class:`LazyText`: the bytes, or a
view of them in the cache file read in place, cache_file.py) instead of ``_content``; the first
read of ``_content`` decodes them, stores the text as the attribute Pelican set, and drops the
bytes.  Reading it is all anything does (Pelican's ``get_content``, plugins, templates), and
gets the text the freshly read article held.

The read goes through :class:`LazyContent`, set on ``Content`` as a class attribute: a
non-data descriptor, consulted only when the object's own ``__dict__`` has no ``_content``, so
an object that holds its text (every freshly read one) is untouched.  Two things look at an
object's dictionary rather than its attributes, and know about the bytes: page_memo's digest
of an object's state, and the vouching of article_cache's snapshots (an attribute absent then
and now is vouched for; once decoded, the text is recorded as the snapshot's).  Quick looks for
link marks (``{``, ``|``) in the HTML take the snapshot's answer (:func:`may_link`).
"""

from __future__ import annotations

from collections.abc import Callable

from pelican.contents import Content

LAZY = "_fast_build_content"  # a LazyText: the HTML not yet read
ATTRIBUTE = "_content"

# Called with (object, text) when an object's bytes are decoded (article_cache's snapshots
# record the text as the snapshot's).
on_read: list[Callable[[object, str], None]] = []


class LazyText(tuple):
    """(the HTML's UTF-8 bytes, or a read-only view of them in the cache file; whether they
    hold ``{`` or ``|``, told when the snapshot was taken so that nothing has to look)."""

    __slots__ = ()

    def __new__(cls, data: bytes | memoryview, marks: bool) -> LazyText:
        return super().__new__(cls, (data, bool(marks)))


class LazyContent:
    """``Content._content`` for objects that hold a :class:`LazyText` (:data:`LAZY`)."""

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        state = instance.__dict__
        held = state.get(LAZY)
        if type(held) is not LazyText:
            raise AttributeError(
                f"{type(instance).__name__!r} object has no attribute {ATTRIBUTE!r}",
                name=ATTRIBUTE,
                obj=instance,
            )
        text = str(held[0], "utf-8", "surrogatepass")
        state[ATTRIBUTE] = text
        del state[LAZY]
        for hook in on_read:
            hook(instance, text)
        return text


_installed: list[bool] = []


def install() -> bool:
    """Put :class:`LazyContent` on ``Content`` unless a content class already defines
    ``_content`` itself; tell whether it is there."""
    if not _installed:
        classes, pending = [], [Content]
        while pending:
            cls = pending.pop()
            classes.append(cls)
            pending.extend(cls.__subclasses__())
        free = all(ATTRIBUTE not in vars(cls) for cls in classes)
        if free:
            Content._content = LazyContent()  # type: ignore[attr-defined]
        _installed.append(free)
    return _installed[0]


def installed() -> bool:
    """Tell whether restored objects may hold their HTML as bytes."""
    return bool(_installed) and _installed[0]


def may_link(content) -> bool:
    """Whether the HTML may hold Pelican's intrasite link marks (``{`` or ``|``, which its
    default link pattern starts with): ``False`` only when it is text that certainly does not,
    or HTML not read yet whose snapshot found none."""
    state = vars(content)
    text = state.get(ATTRIBUTE)
    if text is None:
        held = state.get(LAZY)
        return held[1] if type(held) is LazyText else True
    if type(text) is str:
        return "{" in text or "|" in text
    return True
