"""The outbox as operators read it (with each row's attempts), and dead letters replayed.

Addresses are masked here, once, for every transport: a phone number is personal data (the
subscriber id names the person) and a webhook URL may carry credentials (user:pass@, ?token=).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from notifier.app.errors import Invalid
from notifier.app.events import check_limit
from notifier.netguard import mask_phone, mask_url, mask_urls_in
from notifier.store.listings import find_deliveries

if TYPE_CHECKING:
    from notifier.service import Service

STATUSES = ("pending", "claimed", "sent", "dead", "suppressed", "superseded")
CHANNELS = ("twilio_sms", "webhook")
MAX_ID_CHARS = 200
MAX_REPLAY_IDS = 1000


def masked(row: dict[str, Any]) -> dict[str, Any]:
    if row["channel"] == "twilio_sms":
        row["address"] = mask_phone(row["address"])
    else:
        row["address"] = mask_url(row["address"])
    row["last_error"] = mask_urls_in(row.get("last_error") or "")
    return row


class DeliveryService:
    def __init__(self, service: Service) -> None:
        self._service = service

    async def listing(
        self,
        *,
        limit: int = 100,
        status: str | None = None,
        subscriber: str | None = None,
        event: str | None = None,
        channel: str | None = None,
    ) -> list[dict[str, Any]]:
        """Outbox rows newest first, with their attempt history and masked addresses."""
        check_limit(limit)
        if status and status not in STATUSES:
            raise Invalid("status", "must be one of " + ", ".join(STATUSES))
        if channel and channel not in CHANNELS:
            raise Invalid("channel", "must be one of " + ", ".join(CHANNELS))
        for name, value in (("subscriber", subscriber), ("event", event)):
            if value and len(value) > MAX_ID_CHARS:
                raise Invalid(name, f"longer than {MAX_ID_CHARS} characters")
        rows = await find_deliveries(
            self._service.store.engine,
            limit=limit,
            status=status or None,
            subscriber_id=subscriber or None,
            event_id=event or None,
            channel=channel or None,
        )
        return [masked(r) for r in rows]

    async def counts(self) -> dict[str, int]:
        """Outbox rows per status."""
        return dict(await self._service.store.delivery_counts())

    def circuits(self) -> list[dict[str, Any]]:
        """The webhook endpoints whose circuit breaker has seen failures, as this replica's
        outbox sees them (breakers are per process: each replica learns on its own)."""
        return list(self._service.outbox.circuits())

    async def replay(self, ids: Sequence[str] = ()) -> int:
        """Put dead-lettered deliveries back in the outbox (all, or those of `ids`); the
        count of rows queued again. An id that is not dead is left alone."""
        if len(ids) > MAX_REPLAY_IDS:
            raise Invalid("ids", f"at most {MAX_REPLAY_IDS} at once")
        if any(not i or len(i) > MAX_ID_CHARS for i in ids):
            raise Invalid("ids", f"each id is 1 to {MAX_ID_CHARS} characters")
        service = self._service
        return int(await service.store.replay_dead(service.clock(), list(ids)))
