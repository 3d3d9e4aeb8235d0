from .sitemap_robots import register  # noqa: F401
