"""Parsing large bodies in a separate process, so a library that holds the GIL cannot stall the
event loop.

    pool = ParsePool()
    result = pool.parse(data, source_id=..., name=..., hint=..., options=...)   # from a thread
    pool.close()

The poller parses in a thread, which keeps the event loop free as long as the parser gives the
GIL back now and then. Measured on 5 MiB bodies, trafilatura and htmldate do not (their regexes
and lxml lookups each run as one long C call: the loop stopped for up to 0.5 s), so bodies of
`min_bytes` or more are parsed in a worker process; a smaller one is parsed in the calling
thread, where the process round trip would cost more than it saves. A parse that takes longer
than `timeout_s` gets the process killed and is a ParseError.
"""

from __future__ import annotations

import concurrent.futures
import multiprocessing
import threading
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from notifier.errors import ParseError
from notifier.sources.parse import ParseResult, parse

MIN_BYTES = 512 * 1024
TIMEOUT_S = 60.0


class ParsePool:
    """One parsing process, started on first use; see the module docstring."""

    def __init__(self, *, min_bytes: int = MIN_BYTES, timeout_s: float = TIMEOUT_S) -> None:
        self.min_bytes = min_bytes
        self.timeout_s = timeout_s
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        self._lock = threading.Lock()  # one large body at a time

    def parse(self, data: bytes, **kwargs: Any) -> ParseResult:
        """`notifier.sources.parse.parse(data, **kwargs)`, in the process for large bodies."""
        if len(data) < self.min_bytes:
            return parse(data, **kwargs)
        with self._lock:
            if self._pool is None:
                # spawn: forking a process that runs threads copies their locks mid-state.
                self._pool = concurrent.futures.ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn")
                )
            future = self._pool.submit(parse, data, **kwargs)
            try:
                return future.result(timeout=self.timeout_s)
            except concurrent.futures.TimeoutError:
                self._kill()
                raise ParseError(
                    f"parsing took longer than {self.timeout_s:g} s; stopped"
                ) from None
            except BrokenProcessPool:
                self._kill()
                raise ParseError("the parsing process died") from None

    def close(self) -> None:
        with self._lock:
            self._kill()

    def _kill(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # The executor cannot stop a running call; its processes can be. (`_processes` is the
        # executor's own map of them; there is no public way.)
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
