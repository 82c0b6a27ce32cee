"""Why a follower was or was not notified of an event.

One door: `ExplainService.explain(event_id, subscriber_id)`. It re-asks each question routing
asks (area through the hierarchy, minimum severity, transition kind), then what else stands
between an event and a phone: quiet hours, a silence in force when the event was created,
an opt-out or a disabled endpoint, and the trust stage (the reports behind the event); and it
shows the outbox row(s) with their status. The follower is read from today's configuration,
so a follower changed since the event is explained as it is now (the answer says so); a
subscriber's id explains its first contact, a contact's key (`ops@7`) that contact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from notifier.app.errors import NotFound
from notifier.app.silences import Muting, SilenceService
from notifier.channels import REGISTRY
from notifier.config import Recipient
from notifier.dispatch.route import DEFAULT_KINDS
from notifier.model import Severity, TransitionKind
from notifier.store.lookups import deliveries_of, event_by_id
from notifier.store.silences import SilenceStore

if TYPE_CHECKING:
    from notifier.service import Service

MAX_ID_CHARS = 200


@dataclass(frozen=True, slots=True)
class Check:
    name: str  # area | severity | transition | enabled | blocked | silence | quiet_hours | trust
    passed: bool
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"check": self.name, "passed": self.passed, "detail": self.detail}


class ExplainService:
    def __init__(self, service: Service, silences: SilenceService) -> None:
        self._service = service
        self._silences = silences

    async def _follower(self, subscriber_id: str) -> Recipient | None:
        """The follower of this contact key, or of a subscriber's first contact."""
        router = await self._service.followers.current()
        found = router.follower(subscriber_id)
        if found is None:
            found = next((f for f in router.followers if router.owner(f.id) == subscriber_id), None)
        return found

    async def explain(self, event_id: str, subscriber_id: str) -> dict[str, Any]:
        if not event_id or len(event_id) > MAX_ID_CHARS:
            raise NotFound(f"no event {event_id[:60]!r}")
        service = self._service
        engine = service.store.engine
        event = await event_by_id(engine, event_id)
        if event is None:
            raise NotFound(f"no event {event_id[:60]!r}")
        follower = await self._follower(subscriber_id[:MAX_ID_CHARS])
        if follower is None:
            raise NotFound(f"no subscriber {subscriber_id[:60]!r}")
        catalog = service.catalog
        kind = TransitionKind(event["kind"])
        raw_severity = event["severity"] or event["previous_severity"]
        severity = Severity(raw_severity) if raw_severity else None
        area_id = event["area_id"]
        created = datetime.fromisoformat(event["created"])
        checks: list[Check] = []

        related = [
            a
            for a in follower.areas
            if catalog.contains(a, area_id) or catalog.contains(area_id, a)
        ]
        if related:
            how = []
            for a in related:
                if a == area_id:
                    how.append(f"follows {a} itself")
                elif catalog.contains(a, area_id):
                    how.append(f"{area_id} lies inside followed {a}")
                else:
                    how.append(f"followed {a} lies inside {area_id}")
            checks.append(Check("area", True, "; ".join(how)))
        else:
            checks.append(
                Check(
                    "area",
                    False,
                    f"follows {', '.join(follower.areas)}; none contains {area_id} or lies in it",
                )
            )
        if severity is None or severity >= follower.min_severity:
            checks.append(
                Check("severity", True, f"{severity or 'none'} ≥ minimum {follower.min_severity}")
            )
        else:
            checks.append(
                Check("severity", False, f"{severity} is below the minimum {follower.min_severity}")
            )
        kinds = frozenset(follower.transitions) if follower.transitions else DEFAULT_KINDS
        checks.append(
            Check(
                "transition",
                kind in kinds,
                f"{kind.value} {'is' if kind in kinds else 'is not'} among the kinds followed "
                f"({', '.join(sorted(k.value for k in kinds))})",
            )
        )
        checks.append(
            Check(
                "enabled",
                follower.enabled,
                "enabled" if follower.enabled else "disabled (enabled: false) or paused",
            )
        )
        blocked = (await service.store.blocked_subscribers()).get(follower.id)
        checks.append(
            Check(
                "blocked",
                blocked is None,
                "no opt-out, endpoint not disabled"
                if blocked is None
                else f"deliveries stopped: {blocked}",
            )
        )
        # The silences in force when the event fanned out (expired ones keep their history).
        then = await SilenceStore(engine).active(created)
        muting = Muting(tuple(then), catalog)
        owner = (await service.followers.current()).owner(follower.id)
        silence = muting.silence_for(follower.id, area_id, severity, owner)
        if silence is None:
            checks.append(Check("silence", True, "no silence in force then covered it"))
        else:
            checks.append(
                Check(
                    "silence",
                    False,
                    f"muted by silence #{silence.id} ({silence.target.value} {silence.value}, "
                    f"by {silence.created_by}: {silence.comment})",
                )
            )
        quiet = getattr(follower, "quiet_hours", None)
        if quiet is None:
            checks.append(Check("quiet_hours", True, "no quiet hours"))
        elif severity is Severity.EXTREME:
            checks.append(Check("quiet_hours", True, "extreme: sent through quiet hours"))
        else:
            until = quiet.ends_after(created)
            checks.append(
                Check(
                    "quiet_hours",
                    True,
                    f"held until {until.isoformat()} (quiet hours), then sent"
                    if until
                    else f"outside quiet hours {quiet.start}-{quiet.end} {quiet.timezone}",
                )
            )
        sources = event.get("sources") or []
        trust = ", ".join(
            f"{s.get('source_id')} ({s.get('trust')})" for s in sources if isinstance(s, dict)
        )
        checks.append(
            Check(
                "trust",
                True,
                f"acted on reports of {trust}" if trust else "acted (no report recorded: timer)",
            )
        )
        rows = await deliveries_of(engine, event_id, follower.id)
        spec = REGISTRY.of(follower)
        deliveries = [
            {
                "id": r["id"],
                "channel": r["channel"],
                "status": r["status"],
                "attempts": r["attempts"],
                "last_error": r["last_error"] or None,
                "sent_at": r["sent_at"],
                "history": r["history"],
            }
            for r in rows
        ]
        routed = all(c.passed for c in checks if c.name in ("area", "severity", "transition"))
        eligible = routed and all(c.passed for c in checks)
        if deliveries:
            verdict = "notified" if any(d["status"] == "sent" for d in deliveries) else "queued"
            if all(d["status"] in ("dead", "suppressed", "superseded") for d in deliveries):
                verdict = "not_delivered"
        else:
            verdict = "not_notified"
        return {
            "event": {
                "id": event["id"],
                "kind": kind.value,
                "scheme": event["scheme"],
                "area": {"id": area_id, "name": event["area_name"]},
                "level": event["level"],
                "severity": severity.value if severity else None,
                "created": created.isoformat(),
            },
            "subscriber": {
                "id": follower.id,
                "channel": spec.kind,
                "address": spec.mask(spec.address(follower)),
                "areas": list(follower.areas),
            },
            "verdict": verdict,
            "would_route": eligible,
            "checks": [c.to_json() for c in checks],
            "deliveries": deliveries,
            "note": "the subscriber is read from the configuration in force now",
        }
