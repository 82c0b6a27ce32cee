"""The outbox as operators read it (with each row's attempts), and dead letters replayed.

Addresses are masked here, once, for every transport: a phone number is personal data (the
subscriber id names the person) and a webhook URL may carry credentials (user:pass@, ?token=).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from notifier.app.errors import Invalid
from notifier.app.events import check_limit
from notifier.channels import REGISTRY
from notifier.netguard import mask_url, mask_urls_in
from notifier.store.listings import find_deliveries

if TYPE_CHECKING:
    from notifier.service import Service

STATUSES = ("pending", "claimed", "sent", "dead", "suppressed", "superseded")
# The channel kinds registered when this module loads: the CLI's choices (the service checks
# against the registry as it is at each call).
CHANNELS = tuple(spec.kind for spec in REGISTRY)
MAX_ID_CHARS = 200
MAX_REPLAY_IDS = 1000


def mask_address(channel: str, address: str) -> str:
    """An outbox row's address as operators see it: its kind's masking (a URL's by default)."""
    spec = REGISTRY.get(channel)
    return (spec.mask if spec is not None else mask_url)(address)


def masked(row: dict[str, Any]) -> dict[str, Any]:
    row["address"] = mask_address(row["channel"], row["address"])
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
        kinds = [spec.kind for spec in REGISTRY]
        if channel and channel not in kinds:
            raise Invalid("channel", "must be one of " + ", ".join(kinds))
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

    async def provider_status(self, provider_id: str, status: str, error_code: str = "") -> bool:
        """Record the status a provider reports for a message it took (Twilio's callback);
        False for an unknown message or a status older than the one recorded."""
        service = self._service
        return bool(
            await service.store.update_provider_status(
                provider_id, status, error_code, service.clock()
            )
        )

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
