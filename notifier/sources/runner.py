"""One source's poll through the pipeline: lease, fetch, baseline, ingest, failure records.

One door in, `SourceRunner.run(source)` (a scheduler job per source); one door out, the
`ingest(doc, source, warnings)` the service wires to extraction, trust and levels. Replicas
share the work through the lease table: a source is polled by the replica holding its lease.

The source's state (ETag, file marks …) is saved only after its documents are committed, so a
crash in between makes the next poll read them again; the store's record of seen documents
keeps that from notifying twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from notifier import metrics
from notifier.config import Config, SourceBase
from notifier.extract.worker import ExtractionFailed
from notifier.logging import bound
from notifier.model import Document
from notifier.sources.poll import SourcePoller
from notifier.sources.state import SourceState
from notifier.store import Store

__all__ = ["Ingest", "SourceRunner"]

log = logging.getLogger("notifier")

# (document, its source, date warnings to add to) -> notices queued.
Ingest = Callable[[Document, SourceBase, list[str]], Awaitable[int]]


class SourceRunner:
    """Polls sources on behalf of one replica (`holder`) and records what failed."""

    def __init__(
        self,
        *,
        store: Callable[[], Store],
        poller: SourcePoller,
        config: Callable[[], Config],
        holder: str,
        clock: Callable[[], datetime],
        ingest: Ingest,
    ) -> None:
        self._store = store
        self.poller = poller
        self._config = config
        self._holder = holder
        self._clock = clock
        self._ingest = ingest

    @bound(lambda self, source, *_, **__: {"source": source.id})
    async def run(self, source: SourceBase) -> int:
        """One poll: fetch, keep the unseen documents, run each through the pipeline."""
        store = self._store()
        lease_s = max(2 * source.interval_s, 60.0)
        if not await store.take_lease(source.id, self._holder, now=self._clock(), ttl_s=lease_s):
            log.debug("source %s: polled by another replica", source.id)
            return 0
        row = await store.source_row(source.id)
        state = SourceState.from_json(row.state) if row else SourceState()
        result = await self.poller.poll(source, state, base_dir=self._config().base_dir)
        if result.skipped:
            return 0
        metrics.POLLS.labels(source.id, "error" if result.error else "ok").inc()
        baseline = source.baseline and not (row and row.baseline_done)
        new = await store.unseen(source.id, result.documents)
        result.state.record_new(len(new), self._clock())
        notified = 0
        if baseline and not result.error:
            await store.mark_seen(source.id, new, self._clock())
            log.info(
                "source %s: first poll, %d documents recorded as the baseline; nobody notified",
                source.id,
                len(new),
            )
            metrics.DOCUMENTS.labels(source.id, "baseline").inc(len(new))
        else:
            failures: list[tuple[Document, str]] = []
            dates: list[str] = []
            for doc in new:
                try:
                    notified += await self._ingest(doc, source, dates)
                except Exception as exc:
                    # Nothing of it was committed; the others go on.
                    reason = failure_reason(exc)
                    log.error(
                        "source %s: document %s failed: %s",
                        source.id,
                        doc.id,
                        reason,
                        exc_info=not isinstance(exc, ExtractionFailed),  # a bug: its traceback
                    )
                    metrics.DOCUMENTS.labels(source.id, "failed").inc()
                    failures.append((doc, reason))
            if dates:
                result.state.set_warnings([*result.state.warnings, *dates])
            if await self._record_failures(source, state, result.state, failures):
                # Keeping the old state makes the next poll read the failed ones again.
                await store.save_source_state(
                    source.id,
                    state.to_json(),
                    baseline_done=bool(row and row.baseline_done),
                    now=self._clock(),
                )
                metrics.SOURCE_FAILING.labels(source.id).set(1)
                return notified
        await store.save_source_state(
            source.id,
            result.state.to_json(),
            baseline_done=bool(row and row.baseline_done) or not result.error,
            now=self._clock(),
        )
        failing = bool(result.error or result.state.document_error)
        metrics.SOURCE_FAILING.labels(source.id).set(1 if failing else 0)
        return notified

    async def close(self, sources: Sequence[SourceBase]) -> None:
        """Stop: no more polls, and this replica's source leases released at once."""
        self.poller.close()
        store = self._store()
        for source in sources:
            await store.release_lease(source.id, self._holder)

    async def _record_failures(
        self,
        source: SourceBase,
        old: SourceState,
        new: SourceState,
        failures: Sequence[tuple[Document, str]],
    ) -> bool:
        """Count failed attempts per document in both states; True while one is to be retried.

        After `extraction.max_attempts` failed polls a document is recorded as seen (and listed
        among the source's failed documents), so one bad input cannot wedge its source.
        """
        attempts = dict(old.document_attempts) if failures else {}
        given_up: list[tuple[Document, str]] = []
        retry = False
        max_attempts = self._config().extraction.max_attempts
        for doc, reason in failures:
            key = f"{doc.id}|{doc.content_hash[:16]}"
            count = attempts.get(key, 0) + 1
            if count >= max_attempts:
                attempts.pop(key, None)
                given_up.append((doc, f"{reason} (gave up after {count} attempts)"))
                log.error(
                    "source %s: document %s failed %d times; recorded as seen with status "
                    "failed so the next documents flow",
                    source.id,
                    doc.id,
                    count,
                )
            else:
                attempts[key] = count
                retry = True
        if given_up:
            await self._store().mark_seen(source.id, [doc for doc, _ in given_up], self._clock())
        pairs = [(doc.id, reason) for doc, reason in failures]
        gone = [(doc.id, reason) for doc, reason in given_up]
        for st in (old, new):
            st.record_document_failures(pairs, gone, attempts, self._clock())
        return retry


def failure_reason(exc: BaseException) -> str:
    if isinstance(exc, ExtractionFailed):
        return exc.reason
    return f"{type(exc).__name__}: {exc}"
