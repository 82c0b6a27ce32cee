"""CAP alerts to announcements.

Only `status=Actual` counts (Test, Exercise, System, Draft are logged and dropped, and so is an
Actual message whose event says it is a test). Only alerts with an `info/category` the notifier
accepts (default {"Security"}) produce announcements: a security notifier must not fire on
weather. Several `info` blocks (one per language) are one announcement per area.

Actions: `Alert` and `Update` set a level; `Cancel`, an `Update` whose response is `AllClear`
or whose urgency is `Past`, are lifts of what they reference.

Level: a scheme whose `cap_parameters` maps one of the info's parameters (`HSAS=ORANGE`) gives
the scheme and level; otherwise the `cap` scheme with CAP's own severity.

Areas: a geocode that is an id or code of the gazetteer, else an `areaDesc` that names a
gazetteer area, else the description as given (`AreaRef("raw:<desc>", desc)`).

Convention for a Cancel without `info`: it names no area and no level, so it is emitted as a
lift with `area=AreaRef("raw:", "")`, `level=None`, scheme `cap`, `origin` = its identifier and
`references` = the identifiers it cancels; the LevelBook lifts whatever those references set.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from notifier.extract.catalog import Catalog
from notifier.extract.normalise import fold
from notifier.extract.text import CompiledCatalog
from notifier.model import Action, Announcement, AreaRef, CapAlert, CapArea, CapInfo, Document

log = logging.getLogger(__name__)

CAP_SCHEME = "cap"
NO_AREA = AreaRef("raw:", "")
_TEST_EVENT = re.compile(r"(?<!\w)(?:test|exercise|drill|this is only a test|rmt|rwt)(?!\w)", re.I)
_CAP_LEVELS = {
    "unknown": "Unknown",
    "minor": "Minor",
    "moderate": "Moderate",
    "severe": "Severe",
    "extreme": "Extreme",
}


class CapExtractor:
    def __init__(
        self, catalog: Catalog, compiled: CompiledCatalog, categories: Iterable[str]
    ) -> None:
        self.catalog = catalog
        self.compiled = compiled
        self.categories = frozenset(categories)

    def extract(self, doc: Document) -> list[Announcement]:
        alert = doc.cap
        if alert is None:
            return []
        if alert.status.strip().lower() != "actual":
            log.info("CAP %s dropped: status %s", alert.identifier, alert.status or "(none)")
            return []
        msg_type = alert.msg_type.strip().lower()
        if msg_type not in ("alert", "update", "cancel"):
            log.info("CAP %s dropped: msgType %s", alert.identifier, alert.msg_type)
            return []
        if not alert.infos:
            if msg_type == "cancel":
                return [self._announce(doc, alert, None, NO_AREA, None, Action.LIFT, "", 0.9)]
            log.info("CAP %s dropped: no info", alert.identifier)
            return []
        infos = [i for i in alert.infos if self.categories.intersection(i.categories)]
        if not infos:
            cats = sorted({c for i in alert.infos for c in i.categories})
            log.info("CAP %s dropped: categories %s not accepted", alert.identifier, cats)
            return []
        info = _primary(infos)
        if _TEST_EVENT.search(" ".join([info.event, info.headline])):
            log.info("CAP %s dropped: a test (%s)", alert.identifier, info.event)
            return []
        action = Action.SET
        if (
            msg_type == "cancel"
            or "AllClear" in info.response_types
            or info.urgency.lower() == "past"
        ):
            action = Action.LIFT
        scheme_id, level = self._level(infos)
        out = []
        for area, confidence in self._areas(info.areas):
            out.append(
                self._announce(
                    doc,
                    alert,
                    info,
                    area,
                    (scheme_id, level),
                    action,
                    info.headline or info.event,
                    confidence,
                )
            )
        if not out:
            out.append(
                self._announce(
                    doc,
                    alert,
                    info,
                    NO_AREA,
                    (scheme_id, level),
                    action,
                    info.headline or info.event,
                    0.6,
                )
            )
        return out

    def _level(self, infos: list[CapInfo]) -> tuple[str, str]:
        for info in infos:
            for name, value in info.parameters:
                for scheme in self.catalog.schemes.values():
                    mapping = scheme.cap_parameters.get(name)
                    if not mapping:
                        continue
                    for key, level_id in mapping.items():
                        if key.strip().lower() == value.strip().lower():
                            return scheme.id, level_id
        severity = infos[0].severity.strip().lower()
        return CAP_SCHEME, _CAP_LEVELS.get(severity, "Unknown")

    def _areas(self, areas: Iterable[CapArea]) -> list[tuple[AreaRef, float]]:
        found: list[tuple[AreaRef, float]] = []
        raw: list[str] = []
        seen: set[str] = set()
        for area in areas:
            ref = self._match(area)
            if ref is None:
                if area.desc.strip():
                    raw.append(area.desc.strip())
                continue
            if ref.id not in seen:
                seen.add(ref.id)
                found.append((ref, 0.95))
        if raw:
            desc = "; ".join(dict.fromkeys(raw))
            found.append((AreaRef("raw:" + desc, desc), 0.8))
        return found

    def _match(self, area: CapArea) -> AreaRef | None:
        for _, value in area.geocodes:
            aid = self.catalog.area_by_code(value)
            if aid:
                return self.catalog.area(aid)
        aid = self.catalog.find_area(area.desc)
        if aid:
            return self.catalog.area(aid)
        hits = {h.area_id for h in self.compiled.areas_in(fold(area.desc))}
        if len(hits) == 1:
            return self.catalog.area(hits.pop())
        return None

    def _announce(
        self,
        doc: Document,
        alert: CapAlert,
        info: CapInfo | None,
        area: AreaRef,
        level: tuple[str, str] | None,
        action: Action,
        evidence: str,
        confidence: float,
    ) -> Announcement:
        scheme_id, level_id = level if level else (CAP_SCHEME, None)
        severity = None
        if action is not Action.LIFT and level_id is not None:
            severity = self.catalog.severity_of(scheme_id, level_id)
        return Announcement(
            scheme=scheme_id,
            area=area,
            level=level_id,
            severity=severity,
            action=action,
            evidence=evidence or f"CAP {alert.msg_type} {alert.identifier}",
            confidence=confidence,
            effective=(info.effective or info.onset or alert.sent) if info else alert.sent,
            expires=info.expires if info and action is not Action.LIFT else None,
            published=doc.published or alert.sent,
            source_id=doc.source_id,
            document_id=doc.id,
            origin=alert.identifier,
            references=alert.references,
        )


def _primary(infos: list[CapInfo]) -> CapInfo:
    """The English info block when there is one (the others are translations)."""
    for info in infos:
        if info.language.lower().startswith("en"):
            return info
    return infos[0]
