"""Extraction off the event loop: a worker process with a wall-clock budget per document.

    runner = ExtractionRunner(schemes_dir, areas_dir, budget_s=2.0)
    announcements = await runner.extract(doc)   # ExtractionFailed when over budget or broken
    await runner.reload(schemes_dir, areas_dir, budget_s=...)   # after a config reload
    await runner.aclose()

Python's `re` holds the GIL while it backtracks, so neither a thread nor `asyncio` can bound a
crafted document's cost in-process. The worker is a separate process that loads the catalog
once (from its folders, so nothing large is pickled), reads documents from a pipe and answers
with announcements. A document over budget gets the worker killed -- the only way to stop a
regex -- and a fresh one is started for the next document. Documents are extracted one at a
time; the time a document waits for its turn does not count against its budget.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import time
import traceback
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from notifier.errors import NotifierError
from notifier.model import Announcement, Document

log = logging.getLogger(__name__)

DEFAULT_BUDGET_S = 2.0
START_TIMEOUT_S = 60.0  # importing and compiling the catalog; not part of any document's budget


class ExtractionFailed(NotifierError):
    """A document could not be extracted: over budget, or the extractor raised."""

    def __init__(self, reason: str, *, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.timed_out = timed_out


class ExtractionRunner:
    """One worker process, started on first use, killed and replaced when a document overruns."""

    def __init__(self, schemes_dir: Path, areas_dir: Path, *, budget_s: float = DEFAULT_BUDGET_S):
        self.schemes_dir = schemes_dir
        self.areas_dir = areas_dir
        self.budget_s = budget_s
        self._worker: _Worker | None = None
        self._lock = asyncio.Lock()
        self.restarts = 0  # workers killed for overrunning (for tests and metrics)

    async def extract(self, doc: Document) -> list[Announcement]:
        """The document's announcements; ExtractionFailed with a clear reason otherwise."""
        async with self._lock:
            worker = await self._ready()
            started = time.monotonic()
            try:
                reply = await asyncio.wait_for(
                    asyncio.to_thread(worker.call, doc), timeout=self.budget_s
                )
            except TimeoutError:
                await self._discard()
                self.restarts += 1
                raise ExtractionFailed(
                    f"extraction took longer than {self.budget_s:g} s; stopped", timed_out=True
                ) from None
            except (EOFError, OSError) as exc:
                await self._discard()
                reason = f"extraction worker died: {exc or type(exc).__name__}"
                raise ExtractionFailed(reason) from None
            kind, value = reply
            log.debug("extracted %s in %.3f s", doc.id, time.monotonic() - started)
            if kind == "error":
                raise ExtractionFailed(f"extraction failed: {value}")
            result: list[Announcement] = value
            return result

    async def reload(
        self, schemes_dir: Path, areas_dir: Path, *, budget_s: float | None = None
    ) -> None:
        """Use these catalog folders from the next document on (a new worker reads them)."""
        async with self._lock:
            self.schemes_dir, self.areas_dir = schemes_dir, areas_dir
            if budget_s is not None:
                self.budget_s = budget_s
            await self._discard()

    async def aclose(self) -> None:
        async with self._lock:
            await self._discard()

    async def _ready(self) -> _Worker:
        if self._worker is not None and self._worker.alive():
            return self._worker
        await self._discard()
        worker = await asyncio.to_thread(_Worker.start, self.schemes_dir, self.areas_dir)
        try:
            ready = await asyncio.wait_for(asyncio.to_thread(worker.recv), START_TIMEOUT_S)
        except (TimeoutError, EOFError, OSError) as exc:
            await asyncio.to_thread(worker.kill)
            raise ExtractionFailed(
                f"extraction worker did not start: {type(exc).__name__} {exc}".strip()
            ) from None
        if ready[0] != "ready":
            await asyncio.to_thread(worker.kill)
            raise ExtractionFailed(f"extraction worker could not load the catalog: {ready[1]}")
        self._worker = worker
        return worker

    async def _discard(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            await asyncio.to_thread(worker.kill)  # waiting for it to exit is not the loop's job


class _Worker:
    def __init__(self, process: BaseProcess, conn: Connection) -> None:
        self.process = process
        self.conn = conn

    @classmethod
    def start(cls, schemes_dir: Path, areas_dir: Path) -> _Worker:
        # spawn: the service has threads (aiosqlite, to_thread), and fork would copy their
        # locks in whatever state they are in.
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        process = ctx.Process(
            target=_serve,
            args=(child, str(schemes_dir), str(areas_dir)),
            name="notifier-extract",
            daemon=True,
        )
        process.start()
        child.close()
        return cls(process, parent)

    def alive(self) -> bool:
        return self.process.is_alive()

    def call(self, doc: Document) -> tuple[str, Any]:
        self.conn.send(doc)
        return self.recv()

    def recv(self) -> tuple[str, Any]:
        reply: tuple[str, Any] = self.conn.recv()
        return reply

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=5)
        self.conn.close()


def _serve(conn: Connection, schemes_dir: str, areas_dir: str) -> None:
    """The worker's loop: load the catalog, then answer one document at a time."""
    try:
        from notifier.extract import Catalog, Extractor

        extractor = Extractor(Catalog.load(Path(schemes_dir), Path(areas_dir)))
    except Exception as exc:
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", None))
    while True:
        try:
            doc = conn.recv()
        except (EOFError, OSError):
            return  # the service went away
        try:
            conn.send(("ok", extractor.extract(doc)))
        except Exception as exc:
            log.debug("extraction failed:\n%s", traceback.format_exc())
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
