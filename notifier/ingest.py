"""The ingest stage: one document in, the reports it makes out to the apply stage.

One door in, `Ingest.ingest(doc, source, warnings)` (a source's poll, `notifier simulate`,
tests); one door out, the `apply(reports, document=…, source_id=…, reviews=…)` the service
wires to `notifier.apply.Applier`. In between: dates clamped (`notifier.timebounds`), the
announcements extracted in the worker process (`ExtractionRunner`, a time budget per
document), and the source's confidence threshold: below it an announcement is held for
review instead of weighed.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from notifier import metrics
from notifier.config import Config, SourceBase
from notifier.extract.worker import ExtractionFailed, ExtractionRunner
from notifier.logging import bound
from notifier.model import Document, Trust
from notifier.timebounds import bound_announcements, bound_document
from notifier.trust import Report, announcement_record

__all__ = ["Apply", "Ingest", "extraction_runner"]

log = logging.getLogger("notifier")


class Apply(Protocol):
    def __call__(
        self,
        reports: Sequence[Report],
        *,
        document: Document | None,
        source_id: str,
        reviews: Sequence[tuple[dict[str, Any], float]] = (),
    ) -> Awaitable[int]: ...


def extraction_runner(config: Config) -> ExtractionRunner:
    return ExtractionRunner(
        config.resolve(config.catalog.schemes),
        config.resolve(config.catalog.areas),
        budget_s=config.extraction.budget_s,
    )


class Ingest:
    def __init__(
        self,
        extraction: ExtractionRunner,
        *,
        config: Callable[[], Config],
        clock: Callable[[], datetime],
        apply: Apply,
    ) -> None:
        self.extraction = extraction
        self._config = config
        self._clock = clock
        self._apply = apply

    @bound(lambda self, doc, *_, **__: {"source": doc.source_id, "document": doc.id})
    async def ingest(
        self, doc: Document, source: SourceBase | None = None, warnings: list[str] | None = None
    ) -> int:
        """Extract, weigh, apply, route and enqueue one document; returns the outbox rows written.

        A document handed in without its source (tests, tools) passes no gate: no confidence
        threshold, and it acts at once as an official source's would. Dates it claims beyond
        the configured skew are clamped (notifier.timebounds); what was changed is logged and
        appended to `warnings`.
        """
        now, skew_s = self._clock(), self._config().extraction.future_skew_s
        doc, clamped = bound_document(doc, fetched_at=now, future_skew_s=skew_s)
        announcements, bounded = bound_announcements(
            await self.extraction.extract(doc),
            fetched_at=now,
            future_skew_s=skew_s,
            document_clamped=bool(clamped),
        )
        for warning in (*clamped, *bounded):
            log.warning("source %s: %s", doc.source_id, warning)
            if warnings is not None:
                warnings.append(warning)
        threshold = source.min_confidence if source else 0.0
        confident = [a for a in announcements if a.confidence >= threshold]
        doubtful = [a for a in announcements if a.confidence < threshold]
        for a in doubtful:
            log.warning(
                "source %s: %s %s %s (confidence %.2f) held for review: %s",
                doc.source_id,
                a.scheme,
                a.area.name,
                a.level,
                a.confidence,
                a.evidence[:120],
            )
        metrics.DOCUMENTS.labels(doc.source_id, "announced" if announcements else "nothing").inc()
        trust = source.trust if source else Trust.OFFICIAL
        source_url = getattr(source, "url", "")
        return await self._apply(
            [Report.of(a, doc, trust, source_url) for a in confident],
            document=doc,
            source_id=doc.source_id,
            reviews=[(announcement_record(a), a.confidence) for a in doubtful],
        )

    async def warm_up(self) -> None:
        """Start the extraction worker now rather than on the first document: spawning it
        and loading the catalog takes ~2 s, which the first announcement after a start or a
        reload would otherwise wait (it was most of the time from drop to first webhook)."""
        try:
            await self.extraction.extract(Document(source_id="warm-up", id="warm-up", text=""))
        except ExtractionFailed as exc:
            log.warning("extraction worker did not warm up: %s", exc.reason)

    async def reconfigure(self, config: Config) -> None:
        """The worker loads the new configuration's catalogs at its next document."""
        await self.extraction.reload(
            config.resolve(config.catalog.schemes),
            config.resolve(config.catalog.areas),
            budget_s=config.extraction.budget_s,
        )
