"""`Extractor.extract(doc)`: CAP documents go to the CAP mapping, everything else to free text.

Free-text findings of one document are merged before they are returned: the same tuple said
twice is one announcement (keeping the best-stated validity); a lift and a set of another level
for the same area is a change (the set, with `previous_level`); a level named only by a
translated adjective yields to the colour named for the same area; a country-wide tuple from
a headline yields to the same tuple for the areas the text names (a lift also yields to the
changes away from that level there).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from notifier.extract.cap import CapExtractor
from notifier.extract.catalog import Catalog
from notifier.extract.text import CompiledCatalog, Found, TextExtractor
from notifier.extract.tuning import Tuning
from notifier.model import Action, Announcement, AreaRef, Document

log = logging.getLogger(__name__)

DEFAULT_CAP_CATEGORIES = frozenset({"Security"})


class Extractor:
    """Turns a `Document` into zero or more `Announcement`s (see the module docstring)."""

    def __init__(
        self,
        catalog: Catalog,
        cap_categories: Iterable[str] | None = None,
        tuning: Tuning | None = None,
    ) -> None:
        self.catalog = catalog
        self.tuning = tuning or Tuning()
        self.compiled = CompiledCatalog(catalog, self.tuning)
        self.text = TextExtractor(catalog, self.compiled)
        categories = DEFAULT_CAP_CATEGORIES if cap_categories is None else frozenset(cap_categories)
        self.cap = CapExtractor(catalog, self.compiled, categories)

    def extract(self, doc: Document) -> list[Announcement]:
        if doc.cap is not None:
            return self.cap.extract(doc)
        found = self.text.find(doc.title, doc.text, doc.published, doc.language)
        return [self._announcement(f, doc) for f in merge_found(self.catalog, found)]

    def _announcement(self, f: Found, doc: Document) -> Announcement:
        assert f.action is not None  # status findings are consumed by merge_found
        scheme = self.catalog.schemes[f.scheme]
        severity = None if f.action is Action.LIFT else self.catalog.severity_of(f.scheme, f.level)
        expires = f.validity.expires
        if f.action is Action.LIFT or scheme.default_expiry.kind == "never":
            expires = None
        elif expires is None and scheme.default_expiry.kind == "days" and not f.validity.indefinite:
            start = f.validity.effective or doc.published
            if start is not None and scheme.default_expiry.days:
                from datetime import timedelta

                expires = start + timedelta(days=scheme.default_expiry.days)
        area = self.catalog.area(f.area_id) or AreaRef(f.area_id, f.area_id)
        return Announcement(
            scheme=f.scheme,
            area=area,
            level=f.level,
            severity=severity,
            action=f.action,
            evidence=f.evidence,
            confidence=round(f.confidence, 3),
            previous_level=f.previous_level,
            effective=f.validity.effective,
            expires=expires,
            published=doc.published,
            source_id=doc.source_id,
            document_id=doc.id,
        )


def merge_found(catalog: Catalog, found: list[Found]) -> list[Found]:
    """Document-level merging of sentence findings (see the module docstring)."""
    # 0. status sentences ("this bulletin will expire on ...") lend their validity
    status = [f for f in found if f.action is None]
    found = [f for f in found if f.action is not None]
    for st in status:
        for i, f in enumerate(found):
            if (f.scheme, f.level) == (
                st.scheme,
                st.level,
            ) and st.validity.quality > f.validity.quality:
                found[i] = _replace(f, validity=st.validity)
    # 1. same tuple: keep the most confident, with the best-stated validity
    by_key: dict[tuple[str, str, str, Action | None], Found] = {}
    for f in found:
        key = (f.scheme, f.area_id, f.level, f.action)
        old = by_key.get(key)
        if old is None:
            by_key[key] = f
            continue
        best = max(old, f, key=lambda x: (x.primary, not x.from_title, x.confidence))
        validity = max(old.validity, f.validity, key=lambda v: v.quality)
        previous = old.previous_level or f.previous_level
        by_key[key] = _replace(
            best, validity=validity, previous_level=previous, position=min(old.position, f.position)
        )
    items = list(by_key.values())
    # 2. a lift and a set of another level for one area: a change
    sets = {(f.scheme, f.area_id): f for f in items if f.action is Action.SET}
    out: list[Found] = []
    for f in items:
        s = sets.get((f.scheme, f.area_id))
        if f.action is Action.LIFT and s is not None and s.level != f.level:
            if s.previous_level is None:
                items[items.index(s)] = _replace(s, previous_level=f.level)
                sets[(f.scheme, f.area_id)] = items[
                    items.index(_replace(s, previous_level=f.level))
                ]
            continue
        out.append(f)
    out = [next((i for i in items if _same(i, f)), f) for f in out]
    # 3. a set of the level being extended for the same area restates it, and may state its
    # term better ("продлили до 12 ноября" / "установлен ... до 18:00 12 ноября")
    extended = {(f.scheme, f.area_id, f.level): f for f in out if f.action is Action.EXTEND}
    kept: list[Found] = []
    for f in out:
        ext = extended.get((f.scheme, f.area_id, f.level))
        if f.action is Action.SET and ext is not None:
            if f.validity.quality > ext.validity.quality:
                better = _replace(ext, validity=f.validity)
                extended[(f.scheme, f.area_id, f.level)] = better
                kept = [better if g is ext else g for g in kept]
            continue
        kept.append(f)
    out = [
        extended.get((f.scheme, f.area_id, f.level), f) if f.action is Action.EXTEND else f
        for f in kept
    ]
    # 4. adjectives yield to colours for the same area and action
    named = {(f.scheme, f.area_id, f.action) for f in out if f.primary}
    out = [f for f in out if f.primary or (f.scheme, f.area_id, f.action) not in named]
    # 5. a broad area yields to narrower ones with the same level and action
    result = []
    for f in out:
        narrower = [
            g
            for g in out
            if g is not f
            and g.scheme == f.scheme
            and (
                (g.level == f.level and g.action == f.action)
                # a lift of red "here" that the body tells as red -> orange in named areas
                or (f.action is Action.LIFT and g.previous_level == f.level)
            )
            and g.area_id != f.area_id
            and catalog.contains(f.area_id, g.area_id)
        ]
        if narrower and not (f.nationwide and not f.from_title):  # a headline sums up the body
            continue
        result.append(f)
    result.sort(key=lambda f: f.position)
    return result


def _same(a: Found, b: Found) -> bool:
    return (a.scheme, a.area_id, a.level, a.action) == (b.scheme, b.area_id, b.level, b.action)


def _replace(f: Found, **changes: object) -> Found:
    from dataclasses import replace

    return replace(f, **changes)  # type: ignore[arg-type]
