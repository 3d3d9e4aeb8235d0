"""Listing pages that keep their address and their articles: numbered from the oldest.

Pelican numbers the pages of a tag, topic or source from the newest article: page 2 holds
articles 21–40 today and different ones tomorrow, so every new article moves every article of
the listing to another page.  For an archive that is wrong twice over: a link to "page 7 of
Thời sự" does not keep pointing at what it showed, and a rebuild has to render every page of
every listing that gained an article.

Here a listing of *n* articles with *P* a page is cut from the **oldest** end: full pages of
*P* articles, numbered 1 (the oldest) upwards in their addresses, and a first page, at the
listing's own address, holding the newest *n* − (*m* − 1)·*P* articles (between *P* and 2*P* − 1
once there are *P*; all of them before), where *m* = max(1, ⌊*n*/*P*⌋) is the number of pages.
New articles go to the first page; when it reaches 2*P*, its older *P* become the next numbered
page.  A numbered page keeps its address and its articles for as long as no older article is
added to the listing (a late capture of an old story moves the pages after it, as before).

For templates little changes: ``articles_page.number`` is the position (1 = the first page,
newest), ``has_next()`` leads to older articles, ``articles_paginator.num_pages`` counts the
pages.  The addresses differ: the page at position *k* ≥ 2 is saved as ``PAGINATION_PATTERNS``
with ``{number}`` = *m* − *k* + 1 (``archive_number``).  And a numbered page sees only its own
articles: ``articles`` and ``dates`` are its own, and its paginator (``articles_paginator``,
``articles_page.paginator``) offers ``name``, ``url``, ``per_page``, ``num_pages`` and
``page_range``, not the listing's other articles.  So what a numbered page shows — and the page
memo's key of it (fast_build) — depends on its articles, its position and the page count only.
"""

from __future__ import annotations

import functools
import logging

from pelican.paginator import Page, Paginator
from pelican.writers import Writer

logger = logging.getLogger(__name__)
NAME = "stable_pages"


def enabled(settings) -> bool:
    """Tell whether this build lists the plugin (signals and wrappers are process-wide)."""
    return any(str(p).rsplit(".", 1)[-1] == NAME for p in settings.get("PLUGINS") or [])


def _described(*fields):
    """What a page or paginator pickles to: a description, not the object (see ``__reduce__``)."""
    return fields


class Shelf:
    """The paginator as a numbered page sees it: its size, not the articles of other pages."""

    digest_once = True

    def __init__(self, name: str, url: str, per_page: int, num_pages: int) -> None:
        self.name, self.url, self.per_page, self.num_pages = name, url, per_page, num_pages

    @property
    def page_range(self) -> list[int]:
        return list(range(1, self.num_pages + 1))

    def __reduce__(self):
        return _described, ("shelf", self.name, self.url, self.per_page, self.num_pages)


class StablePaginator(Paginator):
    """Pelican's paginator, cut from the oldest article (orphans are not used)."""

    @property
    def num_pages(self) -> int:
        return max(1, self.count // self.per_page) if self.per_page else 1

    digest_once = True  # for fast_build's page memo: unchanged while the build runs

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pages: dict[int, StablePage] = {}

    def page(self, number: int) -> StablePage:
        """Return page ``number`` (1 = newest); the same object each time it is asked for."""
        cached = self._pages.get(number)
        if cached is not None:
            return cached
        count, size, pages = self.count, self.per_page or self.count, self.num_pages
        if not 1 <= number <= pages:
            raise ValueError(f"no page {number} of {pages}")
        if number == 1:
            bottom, top = 0, count - (pages - 1) * size
        else:
            bottom = count - (pages - number + 1) * size
            top = bottom + size
        seen_as = self if number == 1 else Shelf(self.name, self.url, size, pages)
        page = StablePage(
            self.name, self.url, self.object_list[bottom:top], number, seen_as, self.settings
        )
        self._pages[number] = page
        return page

    def __reduce__(self):
        # Digested by fast_build's page memo through pickle: name the list, not the settings.
        return _described, (
            "paginator", self.name, self.url, self.per_page, list(self.object_list),
        )  # fmt: skip


class StablePage(Page):
    """A page whose address is numbered from the oldest page (``archive_number``)."""

    digest_once = True

    @property
    def archive_number(self) -> int:
        """1 for the oldest page; the first page (position 1) has the highest number."""
        return self.paginator.num_pages - self.number + 1

    def _address(self, key: str) -> str:
        rule = None
        for candidate in self.settings["PAGINATION_PATTERNS"]:
            if candidate.min_page == -1:
                if not self.has_next():
                    rule = candidate
                    break
            elif candidate.min_page <= self.number:
                rule = candidate
        if rule is None:
            return ""
        pattern = getattr(rule, key)
        if not isinstance(pattern, str):
            return pattern
        address = pattern.format(
            save_as=self.full_name,
            url=self.base_url,
            name=self.name,
            base_name=self.base_name,
            extension=self.extension,
            number=self.archive_number,
        )
        return address[1:] if address.startswith("/") else address  # as Pelican does

    @property
    def url(self) -> str:
        return self._address("URL")

    @property
    def save_as(self) -> str:
        return self._address("SAVE_AS")

    def __reduce__(self):
        return _described, (
            "page", self.full_name, self.base_url, self.number, self.paginator,
            list(self.object_list),
        )  # fmt: skip


def _lists(paginated, kwargs) -> dict:
    if paginated is None:
        return {key: val for key, val in kwargs.items() if key in {"articles", "dates"}}
    return paginated


def _wrap_write_file(original):
    @functools.wraps(original)
    def write_file(
        self,
        name,
        template,
        context,
        relative_urls=False,
        paginated=None,
        template_name=None,
        override_output=False,
        url=None,
        **kwargs,
    ):
        lists = _lists(paginated, kwargs)
        if not (
            name
            and enabled(self.settings)
            and lists
            and template_name in self.settings["PAGINATED_TEMPLATES"]
        ):
            return original(
                self, name, template, context, relative_urls=relative_urls,
                paginated=paginated, template_name=template_name,
                override_output=override_output, url=url, **kwargs,
            )  # fmt: skip
        per_page = (
            self.settings["PAGINATED_TEMPLATES"][template_name]
            or self.settings["DEFAULT_PAGINATION"]
        )
        paginators = {
            key: StablePaginator(name, url, value, self.settings, per_page)
            for key, value in lists.items()
        }
        pages = next(iter(paginators.values())).num_pages
        for number in range(1, pages + 1):
            page_kwargs = dict(kwargs)
            for key, paginator in paginators.items():
                page = paginator.page(number)
                page_kwargs[f"{key}_paginator"] = page.paginator
                page_kwargs[f"{key}_page"] = page
                page_kwargs[f"{key}_previous_page"] = (
                    paginator.page(number - 1) if number > 1 else None
                )
                page_kwargs[f"{key}_next_page"] = (
                    paginator.page(number + 1) if number < pages else None
                )
                if number > 1:
                    page_kwargs[key] = page.object_list  # a numbered page sees its own articles
            # One plain write per page, through Writer.write_file as it is now (so a page memo
            # wrapping it sees each page on its own).
            self.write_file(
                page.save_as, template, context, relative_urls,
                override_output=override_output, **page_kwargs,
            )  # fmt: skip
        return None

    return write_file


_installed: list[bool] = []


def register() -> None:
    """Wrap ``Writer.write_file`` once per process; it checks each build's settings."""
    if not _installed:
        Writer.write_file = _wrap_write_file(Writer.write_file)
        _installed.append(True)
