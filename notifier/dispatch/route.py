"""Routing: which followers (SMS subscribers, webhook endpoints) hear about an event."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping

from notifier.channels import REGISTRY
from notifier.config import Recipient, WebhookEndpoint
from notifier.model import Event, Reported, TransitionKind

DEFAULT_KINDS = frozenset(TransitionKind) - {TransitionKind.UNCHANGED}


class Router:
    """Selects followers by area (both ways through the hierarchy), severity and kind.

    A follower of Kazakhstan hears about Aktobe (the event's area lies inside theirs); a follower
    of Aktobe hears about a nationwide level (their area lies inside the event's).
    """

    def __init__(
        self,
        followers: Iterable[Recipient],
        contains: Callable[[str, str], bool],
        *,
        blocked: Mapping[str, str] | None = None,
        owners: Mapping[str, str] | None = None,
    ) -> None:
        """`owners` maps a follower id (a contact's key) to its subscriber's id where the two
        differ (`ops@7` -> `ops`); a follower not in it is its own subscriber."""
        everyone = list(followers)
        self._by_id = {f.id: f for f in everyone}
        self._followers = [f for f in everyone if f.enabled]
        self._contains = contains
        self._blocked = dict(blocked or {})
        self._owners = dict(owners or {})

    @property
    def followers(self) -> list[Recipient]:
        """Every follower, enabled or not (paused subscribers are not enabled)."""
        return list(self._by_id.values())

    def follower(self, follower_id: str) -> Recipient | None:
        return self._by_id.get(follower_id)

    def endpoint(self, follower_id: str) -> WebhookEndpoint | None:
        found = self._by_id.get(follower_id)
        return found if isinstance(found, WebhookEndpoint) else None

    def owner(self, follower_id: str) -> str:
        """The subscriber a follower id belongs to (itself for YAML and JOIN followers)."""
        return self._owners.get(follower_id, follower_id)

    def block(self, follower_id: str, reason: str) -> None:
        self._blocked[follower_id] = reason

    def unblock(self, follower_id: str) -> None:
        self._blocked.pop(follower_id, None)

    def route(self, event: Event) -> Iterator[tuple[Recipient, str]]:
        t = event.transition
        if t.kind is TransitionKind.UNCHANGED:
            return
        severity = event.severity
        # Thousands of followers follow a handful of areas: each is related to the event's
        # area (a walk up the gazetteer) once per event, not once per follower.
        related: dict[str, bool] = {}
        for follower in self._followers:
            if follower.id in self._blocked:
                continue
            kinds = frozenset(follower.transitions) if follower.transitions else DEFAULT_KINDS
            if t.kind not in kinds:
                continue
            if severity is not None and severity < follower.min_severity:
                continue
            for area in follower.areas:
                known = related.get(area)
                if known is None:
                    known = related[area] = self._related(area, t.area.id)
                if known:
                    break
            else:
                continue
            yield follower, channel_of(follower)

    def route_report(self, reported: Reported) -> Iterator[WebhookEndpoint]:
        """The webhook endpoints that opted in to unconfirmed reports of this area; never SMS."""
        a = reported.announcement
        for follower in self._followers:
            if not isinstance(follower, WebhookEndpoint) or not follower.include_unconfirmed:
                continue
            if follower.id in self._blocked:
                continue
            if a.severity is not None and a.severity < follower.min_severity:
                continue
            if any(self._related(area, a.area.id) for area in follower.areas):
                yield follower

    def _related(self, followed: str, event_area: str) -> bool:
        return self._contains(followed, event_area) or self._contains(event_area, followed)


def channel_of(follower: Recipient) -> str:
    """The channel kind (outbox `channel`) a follower is delivered through: the registry's."""
    return REGISTRY.of(follower).kind
