"""The LevelBook: the current level per (scheme, area), and the transitions between levels.

Rules (README "Levels" explains them with examples):

- A *decision* about an area is a set, extend or lift announced for it. The newest decision
  about an area wins over older decisions about its ancestors; among the decisions that are not
  superseded, the highest level wins. So "red throughout Kazakhstan" reaches Aktobe, and
  "red lifted in Aktobe" (or "orange in Aktobe") a week later carves Aktobe out of it.
- The transition of an announcement compares what the announced area had *in effect* before
  and after it: none -> level is issued, up is raised, down is lowered, level -> none is lifted,
  the same level with a later term is extended, anything else is unchanged (a repeat).
- A document older (by `published`) than the area's newest decision changes nothing. A decision
  whose date was clamped (it claimed a far-future date) is recorded as older than any document.
- Time is injected: every method that needs the clock takes `now`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from notifier.model import (
    Action,
    Announcement,
    AreaRef,
    LevelState,
    Severity,
    Transition,
    TransitionKind,
)

__all__ = ["AreaParts", "AreaTree", "LevelBook", "LevelOrder"]

_Key = tuple[str, str]  # (scheme, area id)

# Kinds held back for the flap window: the ones a quick contradiction would turn into a storm.
_HELD_KINDS = frozenset({TransitionKind.LOWERED, TransitionKind.LIFTED})


class LevelOrder(Protocol):
    """Ranks and severities of the levels of each scheme (the extraction Catalog is one)."""

    def level_rank(self, scheme_id: str, level_id: str) -> int: ...

    def severity_of(self, scheme_id: str, level_id: str) -> Severity: ...


class AreaTree(Protocol):
    """The area hierarchy. Unknown ids (``raw:...``, ``""``) have no ancestors."""

    def ancestors(self, area_id: str) -> list[str]:
        """Nearest first; ``[]`` for a root or an unknown id."""
        ...

    def contains(self, ancestor_id: str, area_id: str) -> bool:
        """True when `area_id` lies strictly or non-strictly under `ancestor_id`."""
        ...


@runtime_checkable
class AreaParts(Protocol):
    """Optional: a tree that knows which areas exactly cover an area (a country's first-level
    units) lets a level that every part has replaced leave that area too, e.g. a nationwide
    red lifted region by region. Only complete partitions: a region with a few known cities
    must answer ``[]``."""

    def parts(self, area_id: str) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class _Pending:
    """A lowering or lift held for the flap window; applied at `due` unless contradicted."""

    announcement: Announcement
    received: datetime
    due: datetime

    @property
    def stamp(self) -> datetime:
        return self.announcement.published or self.received


class LevelBook:
    """Current levels per (scheme, area); turns announcements into transitions.

    Reconstructable from `states()` plus `memory()` (lift/expiry dates of areas that have no
    state any more, and changes held by flap control), both JSON-friendly.
    """

    def __init__(
        self,
        order: LevelOrder,
        areas: AreaTree,
        *,
        flap_window_s: float = 0.0,
        states: Iterable[LevelState] = (),
        memory: Mapping[str, Any] | None = None,
    ) -> None:
        self._order = order
        self._areas = areas
        self._flap_window = timedelta(seconds=max(0.0, flap_window_s))
        self._states: dict[_Key, LevelState] = {(s.scheme, s.area.id): s for s in states}
        # Date of the newest decision that removed the state of a key (lift, expiry): it keeps
        # older ancestor levels masked and older documents out after the state is gone.
        self._cleared: dict[_Key, datetime] = {}
        self._pending: dict[_Key, _Pending] = {}
        if memory:
            self._load_memory(memory)

    # --- reading ----------------------------------------------------------------------------

    def state(self, scheme: str, area_id: str) -> LevelState | None:
        """The level decided for this area itself (not inherited), if any."""
        return self._states.get((scheme, area_id))

    def states(self) -> list[LevelState]:
        """Every state, sorted by (scheme, area id)."""
        return [self._states[k] for k in sorted(self._states)]

    def effective(self, scheme: str, area_id: str) -> LevelState | None:
        """The level in effect for the area: the highest of its own state and the states of its
        ancestors that no newer decision on the way down has superseded; on a tie the nearest.
        The returned state's `area` says where it was decided."""
        best: LevelState | None = None
        best_rank = -1
        own = self._states.get((scheme, area_id))
        if own is not None:
            best, best_rank = own, self._rank(own)
        path = [area_id]
        for ancestor in self._areas.ancestors(area_id):
            held = self._states.get((scheme, ancestor))
            if held is not None and not self._superseded(scheme, path, held):
                rank = self._rank(held)
                if rank > best_rank:
                    best, best_rank = held, rank
            path.append(ancestor)
        return best

    def next_expiry(self) -> datetime | None:
        """When `expire` next has work: the earliest term end or end of a flap hold."""
        times = [s.expires for s in self._states.values() if s.expires is not None]
        times += [p.due for p in self._pending.values()]
        return min(times, default=None)

    def memory(self) -> dict[str, Any]:
        """What the book needs besides its states to be rebuilt (`LevelBook(..., memory=)`)."""
        return {
            "cleared": [[s, a, t.isoformat()] for (s, a), t in sorted(self._cleared.items())],
            "pending": [
                {
                    "due": p.due.isoformat(),
                    "received": p.received.isoformat(),
                    "announcement": _announcement_to_json(p.announcement),
                }
                for _, p in sorted(self._pending.items())
            ],
        }

    # --- changing ---------------------------------------------------------------------------

    def apply(self, announcement: Announcement, now: datetime) -> list[Transition]:
        """Apply one announcement; the first transition is for its (scheme, area).

        Changes whose flap hold has ended come first. More transitions follow when a lift
        reaches states under the area, or a CAP Cancel names earlier alerts in `references`.
        A lowering or lift is held for `flap_window_s` (the call returns `unchanged`) and
        emitted by a later `apply`/`expire`/`settle` unless a newer announcement for the same
        (scheme, area) that is not itself a lowering or lift contradicts it.
        """
        out = self.settle(now)
        if not self._flap_window:
            return out + self._apply_now(announcement, now)

        key = (announcement.scheme, announcement.area.id)
        stamp = announcement.published or now
        pending = self._pending.get(key)
        saved = (dict(self._states), dict(self._cleared))
        transitions = self._apply_now(announcement, now)
        if any(t.kind in _HELD_KINDS for t in transitions):
            self._states, self._cleared = saved
            if pending is None:
                self._pending[key] = _Pending(announcement, now, now + self._flap_window)
            elif stamp >= pending.stamp and announcement.level != pending.announcement.level:
                # The newest lowering wins, but the hold does not restart: no endless deferral.
                self._pending[key] = _Pending(announcement, now, pending.due)
            return [*out, self._unchanged(announcement, now)]
        if pending is not None and stamp >= pending.stamp:
            del self._pending[key]
        return out + transitions

    def settle(self, now: datetime) -> list[Transition]:
        """Emit the held lowerings and lifts whose flap window has ended by `now`."""
        out: list[Transition] = []
        for key, held in sorted(self._pending.items(), key=lambda item: item[1].due):
            if held.due <= now:
                del self._pending[key]
                out += self._apply_now(held.announcement, held.received)
        return out

    def expire(self, now: datetime) -> list[Transition]:
        """Settle held changes, then end every term that has passed: one `expired` each, `at`
        the term's end. `previous_level` is the level that ended, `level` what the area still has
        in effect (usually None)."""
        out = self.settle(now)
        ended = sorted(
            (s for s in self._states.values() if s.expires is not None and s.expires <= now),
            key=lambda s: (s.expires, s.scheme, s.area.id),
        )
        for gone in ended:
            key = (gone.scheme, gone.area.id)
            del self._states[key]
            self._clear(key, gone.updated)
            after = self.effective(*key)
            assert gone.expires is not None
            out.append(
                self._transition(
                    TransitionKind.EXPIRED, gone.scheme, gone.area, gone.expires, gone, after,
                    evidence=gone.evidence,
                )
            )  # fmt: skip
            out += self._collapse(gone.scheme, gone.area.id, gone.expires)
        return out

    # --- the rules --------------------------------------------------------------------------

    def _apply_now(self, ann: Announcement, now: datetime) -> list[Transition]:
        if ann.action is Action.LIFT:
            return self._lift(ann, now)
        key = (ann.scheme, ann.area.id)
        stamp = ann.published or now
        if ann.level is None or self._stale(key, stamp):
            return [self._unchanged(ann, now)]
        if ann.expires is not None and ann.expires <= now:
            return [self._unchanged(ann, now)]  # its term is already over: nothing to start

        before = self.effective(*key)
        own = self._states.get(key)
        if own is not None and own.level == ann.level:
            # A repeat (or an extend) of the area's own level: a term only ever lengthens, so
            # outlets that round "14 days" differently cannot flip it back and forth.
            expires = _later(own.expires, ann.expires)
            changed = expires != own.expires
            new = replace(
                own,
                expires=expires,
                updated=max(own.updated, _recorded(ann, stamp)),
                evidence=ann.evidence if changed else own.evidence,
                origin=ann.origin or own.origin,
            )
        else:
            # A new level for the area (an extend of a level it does not have issues it: the
            # service may have started after the level was set).
            # When it only makes an inherited level the area's own, the level keeps its start
            # and its term.
            inherited = before if before is not None and before.level == ann.level else None
            new = LevelState(
                scheme=ann.scheme,
                area=ann.area,
                level=ann.level,
                severity=ann.severity or self._order.severity_of(ann.scheme, ann.level),
                since=inherited.since if inherited else ann.effective or stamp,
                expires=ann.expires or (inherited.expires if inherited else None),
                updated=_recorded(ann, stamp),
                origin=ann.origin,
                evidence=ann.evidence,
            )
        self._states[key] = new
        after = self.effective(*key)
        kind = self._kind(before, after)
        first = self._transition(kind, ann.scheme, ann.area, _at(ann, now), before, after, ann=ann)
        return [first, *self._collapse(ann.scheme, ann.area.id, stamp, ann=ann, now=now)]

    def _lift(self, ann: Announcement, now: datetime) -> list[Transition]:
        stamp = ann.published or now
        at = _at(ann, now)
        referenced = [
            k
            for k, s in self._states.items()
            if s.origin and s.origin in ann.references and not self._stale(k, stamp)
        ]
        if referenced:
            # A CAP Cancel: exactly the alerts it references end, whatever area it names.
            out = []
            for key in sorted(referenced):
                gone = self._states[key]
                before = self.effective(*key)
                del self._states[key]
                self._clear(key, stamp)
                after = self.effective(*key)
                kind = self._kind(before, after)
                out.append(self._transition(kind, key[0], gone.area, at, before, after, ann=ann))
                out += self._collapse(key[0], key[1], stamp, ann=ann, now=now)
            return out

        key = (ann.scheme, ann.area.id)
        if not ann.area.id or self._stale(key, stamp):
            return [self._unchanged(ann, now)]
        before = self.effective(*key)
        own = self._states.get(key)
        lifts_effect = before is not None and ann.level in (None, before.level)
        if own is not None and ann.level in (None, own.level):
            del self._states[key]  # also when a higher inherited level hides it: it is over
        if lifts_effect or before is None:
            # Remembered so older documents stay out; it hides nothing still in effect here.
            self._clear(key, _recorded(ann, stamp))
        after = self.effective(*key)
        first = self._transition(
            self._kind(before, after), ann.scheme, ann.area, at, before, after, ann=ann
        )

        # Lifting an area lifts the same level decided for the areas under it (any level for
        # a lift that names none), unless they were decided after this document.
        under = sorted(
            k
            for k, s in self._states.items()
            if k[0] == ann.scheme
            and k[1] != ann.area.id
            and ann.level in (None, s.level)
            and s.updated <= stamp
            and self._areas.contains(ann.area.id, k[1])
        )
        befores = {k: self.effective(*k) for k in under}
        gone_areas = {k: self._states.pop(k).area for k in under}
        out = [first]
        for k in under:
            after_k = self.effective(*k)
            kind = self._kind(befores[k], after_k)
            out.append(
                self._transition(kind, k[0], gone_areas[k], at, befores[k], after_k, ann=ann)
            )
        return out + self._collapse(ann.scheme, ann.area.id, stamp, ann=ann, now=now)

    def _collapse(
        self,
        scheme: str,
        area_id: str,
        stamp: datetime,
        *,
        ann: Announcement | None = None,
        now: datetime | None = None,
    ) -> list[Transition]:
        """Drop ancestor states that every part has replaced by its own newer decision.

        Silent (`unchanged`): each area's subscribers already heard its own change. Needs a
        tree with `parts`; without one such a state stays (hidden everywhere below it).
        """
        if not isinstance(self._areas, AreaParts):
            return []
        out = []
        for ancestor in self._areas.ancestors(area_id):
            key = (scheme, ancestor)
            held = self._states.get(key)
            if held is None or not self._replaced_below(scheme, ancestor, held):
                continue
            before = self.effective(*key)
            del self._states[key]
            self._clear(key, max(stamp, held.updated))
            after = self.effective(*key)
            at = _at(ann, now) if ann is not None and now is not None else stamp
            out.append(
                self._transition(
                    TransitionKind.UNCHANGED, scheme, held.area, at, before, after,
                    evidence="replaced in every area under it",
                )
            )  # fmt: skip
        return out

    def _replaced_below(self, scheme: str, area_id: str, held: LevelState) -> bool:
        assert isinstance(self._areas, AreaParts)
        parts = self._areas.parts(area_id)
        return bool(parts) and all(
            self._decided_since(scheme, child, held) or self._replaced_below(scheme, child, held)
            for child in parts
        )

    # --- helpers ----------------------------------------------------------------------------

    def _decided_since(self, scheme: str, area_id: str, held: LevelState) -> bool:
        """Whether the newest decision about this area itself (its state, or the lift or
        expiry that removed it) is no older than the start of `held`."""
        key = (scheme, area_id)
        own = self._states.get(key)
        cleared = self._cleared.get(key)
        # On equal dates a level does not hide a higher one (either may be the newer), but a
        # lift is taken to follow the level it lifts.
        return (own is not None and own.updated > held.since) or (
            cleared is not None and cleared >= held.since
        )

    def _superseded(self, scheme: str, path: list[str], held: LevelState) -> bool:
        """Whether an area on `path` (the area up to just below the holder) decided later."""
        return any(self._decided_since(scheme, area, held) for area in path)

    def _stale(self, key: _Key, stamp: datetime) -> bool:
        """Older than the newest decision about the area or a lift/expiry of an area above."""
        own = self._states.get(key)
        if own is not None and stamp < own.updated:
            return True
        for area in [key[1], *self._areas.ancestors(key[1])]:
            cleared = self._cleared.get((key[0], area))
            if cleared is not None and stamp < cleared:
                return True
        return False

    def _clear(self, key: _Key, when: datetime) -> None:
        previous = self._cleared.get(key)
        self._cleared[key] = when if previous is None else max(previous, when)

    def _rank(self, state: LevelState) -> int:
        return self._order.level_rank(state.scheme, state.level)

    def _kind(self, before: LevelState | None, after: LevelState | None) -> TransitionKind:
        if before is None:
            return TransitionKind.UNCHANGED if after is None else TransitionKind.ISSUED
        if after is None:
            return TransitionKind.LIFTED
        up = self._rank(after) - self._rank(before)
        if up:
            return TransitionKind.RAISED if up > 0 else TransitionKind.LOWERED
        if (
            before.expires is not None
            and after.expires is not None
            and after.expires > before.expires
        ):
            return TransitionKind.EXTENDED
        return TransitionKind.UNCHANGED

    def _unchanged(self, ann: Announcement, now: datetime) -> Transition:
        current = self.effective(ann.scheme, ann.area.id)
        return self._transition(
            TransitionKind.UNCHANGED, ann.scheme, ann.area, _at(ann, now), current, current,
            ann=ann,
        )  # fmt: skip

    @staticmethod
    def _transition(
        kind: TransitionKind,
        scheme: str,
        area: AreaRef,
        at: datetime,
        before: LevelState | None,
        after: LevelState | None,
        *,
        ann: Announcement | None = None,
        evidence: str = "",
    ) -> Transition:
        return Transition(
            kind=kind,
            scheme=scheme,
            area=area,
            at=at,
            level=after.level if after else None,
            severity=after.severity if after else None,
            previous_level=before.level if before else None,
            previous_severity=before.severity if before else None,
            expires=after.expires if after else None,
            evidence=ann.evidence if ann is not None else evidence,
            source_id=ann.source_id if ann is not None else "",
            document_id=ann.document_id if ann is not None else "",
        )

    def _load_memory(self, memory: Mapping[str, Any]) -> None:
        for scheme, area, when in memory.get("cleared", ()):
            self._cleared[(scheme, area)] = datetime.fromisoformat(when)
        for item in memory.get("pending", ()):
            ann = _announcement_from_json(item["announcement"])
            self._pending[(ann.scheme, ann.area.id)] = _Pending(
                ann,
                received=datetime.fromisoformat(item["received"]),
                due=datetime.fromisoformat(item["due"]),
            )


# The date recorded for a decision whose own date was clamped (notifier.timebounds): older
# than any real document, so the older-document rule never lets a clamped date win.
CLAMPED_STAMP = datetime(1970, 1, 1, tzinfo=UTC)


def _recorded(ann: Announcement, stamp: datetime) -> datetime:
    return CLAMPED_STAMP if ann.clamped else stamp


def _at(ann: Announcement, now: datetime) -> datetime:
    """A transition's time comes from the document, so a replay yields the same event id."""
    return ann.effective or ann.published or now


def _later(current: datetime | None, new: datetime | None) -> datetime | None:
    if current is None or new is None:
        return current or new
    return max(current, new)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _time(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _announcement_to_json(ann: Announcement) -> dict[str, Any]:
    return {
        **ann.to_json(),
        "published": _iso(ann.published),
        "source_id": ann.source_id,
        "document_id": ann.document_id,
        "origin": ann.origin,
        "references": list(ann.references),
        "clamped": ann.clamped,
    }


def _announcement_from_json(data: Mapping[str, Any]) -> Announcement:
    return Announcement(
        scheme=data["scheme"],
        area=AreaRef(data["area"]["id"], data["area"]["name"]),
        level=data["level"],
        severity=Severity(data["severity"]) if data["severity"] else None,
        action=Action(data["action"]),
        evidence=data["evidence"],
        confidence=data["confidence"],
        previous_level=data["previous_level"],
        effective=_time(data["effective"]),
        expires=_time(data["expires"]),
        published=_time(data["published"]),
        source_id=data["source_id"],
        document_id=data["document_id"],
        origin=data["origin"],
        references=tuple(data["references"]),
        clamped=bool(data.get("clamped", False)),
    )
