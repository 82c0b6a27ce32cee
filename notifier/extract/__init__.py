"""Extraction: documents in, announcements out; the scheme and area catalogs it reads.

Public API: `Catalog.load(schemes_dir, areas_dir)`, `Catalog` gazetteer queries, `Scheme`,
`Level`, `Area`, and `Extractor(catalog, cap_categories=...)` with `extract(doc)`.
"""

from __future__ import annotations

from notifier.extract.catalog import Area, Catalog, ExpiryRule, Level, Scheme
from notifier.extract.extractor import DEFAULT_CAP_CATEGORIES, Extractor
from notifier.extract.normalise import clean, fold

__all__ = [
    "DEFAULT_CAP_CATEGORIES",
    "Area",
    "Catalog",
    "ExpiryRule",
    "Extractor",
    "Level",
    "Scheme",
    "clean",
    "fold",
]
