"""Helpers shared by the extraction tests."""

from __future__ import annotations

from datetime import UTC, datetime

from notifier.extract import Extractor
from notifier.model import Document

D2024 = datetime(2024, 5, 2, tzinfo=UTC)


def tuples(
    extractor: Extractor, text: str, published: datetime | None = D2024
) -> list[tuple[str, str, str | None, str]]:
    """(scheme, area id, level, action) of every announcement in `text`, sorted."""
    doc = Document(source_id="t", id="d", text=text, published=published)
    return sorted((a.scheme, a.area.id, a.level, a.action.value) for a in extractor.extract(doc))
