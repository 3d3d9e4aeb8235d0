from .article_context import register  # noqa: F401
