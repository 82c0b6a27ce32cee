"""The review queue: announcements held because their confidence was below the source's
threshold, approved (the running service applies them within seconds) or rejected."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from notifier.app.errors import Invalid, NotFound

if TYPE_CHECKING:
    from notifier.service import Service
    from notifier.store import ReviewItem

STATUSES = ("pending", "approved", "rejected", "applied")


def review_json(item: ReviewItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "source_id": item.source_id,
        "document_id": item.document_id,
        "confidence": item.confidence,
        "status": item.status,
        "created": item.created.isoformat(),
        "announcement": item.announcement,
    }


class ReviewService:
    def __init__(self, service: Service) -> None:
        self._service = service

    async def listing(self, status: str | None = "pending") -> list[ReviewItem]:
        """Items in `status` (None or '' for all), oldest first."""
        if status and status not in STATUSES:
            raise Invalid("status", "must be one of " + ", ".join(STATUSES))
        return list(await self._service.store.review_items(status or None))

    async def decide(self, item_id: int, *, approve: bool) -> ReviewItem:
        status = "approved" if approve else "rejected"
        service = self._service
        item = await service.store.decide_review(item_id, status, service.clock())
        if item is None:
            raise NotFound(f"review item #{item_id} does not exist or is not pending")
        return item
