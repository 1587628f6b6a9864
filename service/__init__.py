"""The HTTP ingest service over `dedup.Index`: POST an article, get its relations back, and it joins the index.

`dedup` never imports this package.
"""

from service.app import create_app
from service.settings import Settings

__all__ = ["Settings", "create_app"]
