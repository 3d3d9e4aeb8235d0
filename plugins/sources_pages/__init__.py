from .sources_pages import register  # noqa: F401
