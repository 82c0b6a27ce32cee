"""Polling one source: fetch (HTTP or local files), parse, and the source's next state.

    poller = SourcePoller(session, clock=system_clock, rng=random.random, concurrency=8)
    result = await poller.poll(source_config, state, base_dir=Path("."))

`poll` never raises for a source's own failure: the error is in `result.error`, the state
counts it and schedules the retry with exponential backoff, and while that retry time is
ahead a poll returns at once with `skipped=True`. A global semaphore bounds how many sources
are fetched at once; each fetch has its own timeout, so one slow source never holds up the
others beyond its slot. Dedup, the baseline rule and persistence are the store's: the result
carries every document read (dir sources: only files new or changed since the last poll).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from notifier.clock import Clock, system_clock
from notifier.errors import ParseError, SourceError
from notifier.model import Document
from notifier.netguard import mask_url
from notifier.sources.fetch import fetch_http, read_file_capped
from notifier.sources.isolate import ParsePool
from notifier.sources.jsondocs import FieldMap
from notifier.sources.parse import DEFAULT_MAX_BYTES, ParseOptions, ParseResult, parse
from notifier.sources.state import FileMark, SourceState

log = logging.getLogger(__name__)


@dataclass(slots=True)
class PollResult:
    source_id: str
    documents: list[Document]
    state: SourceState
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    skipped: bool = False  # still backing off after a failure: nothing was fetched
    not_modified: bool = False  # HTTP 304
    duration_s: float = 0.0


class SourcePoller:
    """Polls sources with a global concurrency bound; see the module docstring."""

    def __init__(
        self,
        session: aiohttp.ClientSession | None,
        *,
        clock: Clock = system_clock,
        rng: Callable[[], float] = random.random,
        concurrency: int = 8,
    ) -> None:
        self.session = session
        self.clock = clock
        self.rng = rng
        self._slots = asyncio.Semaphore(concurrency)
        # Large bodies are parsed in a process: some parsers hold the GIL for long (isolate.py).
        self.parser = ParsePool()

    def close(self) -> None:
        """Stop the parsing process, if one was started."""
        self.parser.close()

    async def poll(
        self, source: Any, state: SourceState, *, base_dir: Path = Path(".")
    ) -> PollResult:
        """Fetch and parse one source; returns documents and the new state (a copy)."""
        state = dataclasses.replace(
            state, files=dict(state.files), links=dict(state.links), warnings=list(state.warnings)
        )
        now = self.clock()
        if state.in_backoff(now):
            return PollResult(source.id, [], state, skipped=True)
        started = time.monotonic()
        warnings: list[str] = []
        not_modified = False
        async with self._slots:
            try:
                if source.type == "dir":
                    docs = await asyncio.to_thread(
                        _read_dir, source, state, base_dir, warnings, self.parser.parse
                    )
                elif source.type == "file":
                    docs = await asyncio.to_thread(
                        _read_file, source, state, base_dir, warnings, self.parser.parse
                    )
                else:
                    docs, not_modified = await self._poll_http(source, state, warnings)
            except SourceError as exc:  # ParseError included
                error = str(exc)
                state.record_failure(
                    self.clock(),
                    error,
                    interval_s=source.interval_s,
                    backoff_max_s=source.backoff_max_s,
                    rng=self.rng,
                )
                state.set_warnings(warnings)
                log.warning(
                    "source %s: %s (failure %d)", source.id, error, state.consecutive_failures
                )
                return PollResult(
                    source.id,
                    [],
                    state,
                    error=error,
                    warnings=warnings,
                    duration_s=time.monotonic() - started,
                )
        state.record_success(self.clock(), source.interval_s, len(docs))
        state.set_warnings(warnings)
        for warning in warnings:
            log.warning("source %s: %s", source.id, warning)
        return PollResult(
            source.id,
            docs,
            state,
            warnings=warnings,
            not_modified=not_modified,
            duration_s=time.monotonic() - started,
        )

    async def poll_many(
        self, jobs: Iterable[tuple[Any, SourceState]], *, base_dir: Path = Path(".")
    ) -> list[PollResult]:
        """Poll several sources concurrently (within the bound); results in the same order."""
        return list(
            await asyncio.gather(*(self.poll(src, st, base_dir=base_dir) for src, st in jobs))
        )

    async def _poll_http(
        self, source: Any, state: SourceState, warnings: list[str]
    ) -> tuple[list[Document], bool]:
        if self.session is None:
            raise SourceError("no HTTP session to fetch with")
        fetched = await fetch_http(
            self.session,
            source.url,
            timeout_s=source.timeout_s,
            max_bytes=source.max_bytes,
            etag=state.etag,
            last_modified=state.last_modified,
            headers=source.headers,
            max_redirects=source.max_redirects,
        )
        if fetched.not_modified:
            return [], True
        result = await asyncio.to_thread(
            self.parser.parse,
            fetched.body,
            source_id=source.id,
            name=fetched.url,
            content_type=fetched.content_type,
            hint=source.type,
            options=options_for(source),
        )
        warnings.extend(result.warnings)
        docs = result.documents
        if source.type == "cap" and result.format in ("atom", "rss") and source.follow_links:
            docs = await self._follow_cap_links(source, state, docs, warnings)
        # Validators are kept only once the body was read and parsed: a failed parse retries.
        state.etag = fetched.etag
        state.last_modified = fetched.last_modified
        return docs, False

    async def _follow_cap_links(
        self, source: Any, state: SourceState, entries: list[Document], warnings: list[str]
    ) -> list[Document]:
        """Replace each new index entry by the CAP alert it links to (entry kept on failure)."""
        assert self.session is not None
        out: list[Document] = []
        links: dict[str, str] = {}
        budget = source.max_links
        for entry in entries:
            key = f"{entry.id}|{entry.published.isoformat() if entry.published else ''}"
            if not entry.url:
                out.append(entry)
                continue
            links[entry.url] = key
            if state.links.get(entry.url) == key:
                continue  # followed before and unchanged
            if budget <= 0:
                links.pop(entry.url)
                out.append(entry)
                continue
            budget -= 1
            try:
                fetched = await fetch_http(
                    self.session,
                    entry.url,
                    timeout_s=source.timeout_s,
                    max_bytes=source.max_bytes,
                    headers=source.headers,
                    max_redirects=source.max_redirects,
                )
                result = await asyncio.to_thread(
                    self.parser.parse,
                    fetched.body,
                    source_id=source.id,
                    name=fetched.url,
                    content_type=fetched.content_type,
                    hint="cap",
                    options=options_for(source),
                )
            except SourceError as exc:
                shown = mask_url(entry.url)
                warnings.append(f"linked alert {shown}: {exc}; the index entry is used")
                links.pop(entry.url)
                out.append(entry)
                continue
            warnings.extend(result.warnings)
            if result.format == "cap" and result.documents:
                out.extend(result.documents)
            else:
                out.append(entry)
        state.links = links
        return out


def options_for(source: Any) -> ParseOptions:
    """The parse options a source's config asks for."""
    fields = getattr(source, "fields", None)
    fmap = None
    if fields is not None:
        text = fields.text
        fmap = FieldMap(
            items=fields.items,
            id=fields.id,
            title=fields.title,
            text=tuple([text] if isinstance(text, str) else text or ()),
            time=fields.time,
            area=fields.area,
            url=fields.url,
        )
    return ParseOptions(
        fields=fmap,
        selector=getattr(source, "selector", None),
        language=getattr(source, "language", None),
        max_bytes=getattr(source, "max_bytes", DEFAULT_MAX_BYTES),
    )


Parser = Callable[..., ParseResult]


def _read_dir(
    source: Any, state: SourceState, base_dir: Path, warnings: list[str], parser: Parser = parse
) -> list[Document]:
    folder = source.path if source.path.is_absolute() else base_dir / source.path
    if not folder.is_dir():
        raise SourceError(f"folder {folder} does not exist or is not a folder")
    paths = sorted(
        p
        for p in folder.glob(source.pattern)
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )
    docs: list[Document] = []
    marks: dict[str, FileMark] = {}
    real_folder = folder.resolve()
    for path in paths:
        rel = path.relative_to(folder).as_posix()
        if not path.resolve().is_relative_to(real_folder):
            warnings.append(f"{rel}: a link to a file outside the folder; not read")
            continue
        docs.extend(_read_one(source, path, rel, state, marks, warnings, parser=parser))
    state.files = marks
    return docs


def _read_file(
    source: Any, state: SourceState, base_dir: Path, warnings: list[str], parser: Parser = parse
) -> list[Document]:
    path = source.path if source.path.is_absolute() else base_dir / source.path
    if not path.is_file():
        raise SourceError(f"file {path} does not exist")
    marks: dict[str, FileMark] = {}
    docs = _read_one(source, path, path.name, state, marks, warnings, strict=True, parser=parser)
    state.files = marks
    return docs


def _read_one(
    source: Any,
    path: Path,
    name: str,
    state: SourceState,
    marks: dict[str, FileMark],
    warnings: list[str],
    *,
    strict: bool = False,
    parser: Parser = parse,
) -> list[Document]:
    """Documents of one file if it is new or changed; a bad file is a warning (dir) or error."""
    try:
        st = path.stat()
    except OSError as exc:
        warnings.append(f"{name}: cannot stat: {exc.strerror or exc}")
        return []
    known = state.files.get(name)
    if known is not None and known.mtime_ns == st.st_mtime_ns and known.size == st.st_size:
        marks[name] = known
        return []
    try:
        data = read_file_capped(path, source.max_bytes)
    except SourceError as exc:
        if strict:
            raise
        warnings.append(f"{name}: {exc}")
        marks[name] = FileMark(st.st_mtime_ns, st.st_size, "")
        return []
    digest = hashlib.sha256(data).hexdigest()
    marks[name] = FileMark(st.st_mtime_ns, st.st_size, digest)
    if known is not None and known.sha256 == digest:
        return []  # touched, not changed
    try:
        result: ParseResult = parser(
            data, source_id=source.id, name=name, options=options_for(source)
        )
    except ParseError as exc:
        if strict:
            raise
        warnings.append(f"{name}: {exc}")
        return []
    warnings.extend(f"{name}: {w}" for w in result.warnings)
    return result.documents
