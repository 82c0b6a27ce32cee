"""`notifier simulate`: what documents would send, without sending or changing anything.

The documents run through the real pipeline — extraction, the trust stage, the LevelBook,
routing and rendering — of a `Service` on a scratch SQLite database that is deleted
afterwards; the notices it writes to that outbox are what would go out. Each file is its own
source of the given trust, so two media documents corroborate each other only when their
sites (the host of the document's URL) differ. With `from_store` the scratch database starts
from the levels and recent reports of the configured database, which is only read.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from notifier.channels import REGISTRY
from notifier.config import (
    Config,
    DispatchConfig,
    FileSource,
    SourceBase,
    StorageConfig,
    TwilioConfig,
)
from notifier.errors import NotifierError, ParseError, StoreError
from notifier.model import ChannelKind, Trust
from notifier.store import Store
from notifier.trust import Report

__all__ = ["Simulation", "simulate"]

_CHANNEL_NAMES = {str(spec.kind): spec.contact for spec in REGISTRY}


@dataclass
class Simulation:
    """What a run would have done: one record per notice, and the counts of the summary."""

    notices: list[dict[str, Any]] = field(default_factory=list)
    documents: int = 0
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (path, error)
    held_for_review: int = 0
    reports: dict[str, int] = field(default_factory=dict)  # by status, e.g. unconfirmed: 1
    changes: int = 0

    def summary(self, trust: Trust) -> dict[str, Any]:
        by_channel = {name: 0 for name in _CHANNEL_NAMES.values()}
        for notice in self.notices:
            by_channel[notice["channel"]] += 1
        return {
            "summary": {
                "trust": trust.value,
                "documents": self.documents,
                "unreadable": len(self.unreadable),
                "held_for_review": self.held_for_review,
                "reports": self.reports,
                "level_changes": self.changes,
                "notices": len(self.notices),
                **by_channel,
            }
        }


async def simulate(
    config: Config,
    files: Sequence[Path],
    *,
    trust: Trust = Trust.MEDIA,
    from_store: bool = False,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
    on_notice: Callable[[dict[str, Any]], None] | None = None,
) -> Simulation:
    """Run `files` in order through a scratch service; `on_notice` sees each notice at once."""
    from notifier.service import Service
    from notifier.sources.parse import parse_bytes

    result = Simulation()
    with tempfile.TemporaryDirectory(prefix="notifier-simulate-") as scratch_dir:
        scratch = config.model_copy(
            update={
                "storage": StorageConfig(url=f"sqlite+aiosqlite:///{scratch_dir}/simulate.db"),
                "data_dir": Path(scratch_dir),
                "twilio": TwilioConfig(),  # nothing is sent; never touch real credentials
                # Each document's changes become one notice per follower, written at once.
                "dispatch": DispatchConfig(group_wait_s=0),
            }
        )
        clock = _DocumentClock(now(), may_go_back=not from_store)
        if from_store:
            await _copy_store(config, scratch, clock.now)
        service = Service(scratch, clock=clock, echo=lambda _: None, start_scheduler=False)
        async with service:
            seen: set[str] = set()
            events: dict[str, dict[str, Any]] = {}
            for i, file in enumerate(files, 1):
                source = FileSource(
                    id=f"simulate-{i}",
                    type="file",
                    path=file,
                    trust=trust,
                    min_confidence=SourceBase.model_fields["min_confidence"].default,
                )
                try:
                    docs = parse_bytes(file.read_bytes(), source_id=source.id, name=str(file))
                except (ParseError, OSError) as exc:
                    result.unreadable.append((str(file), str(exc)))
                    continue
                result.documents += 1
                for doc in docs:
                    clock.reach(doc.published)
                    await service.ingest(doc, source)
                rows = await service.store.deliveries(limit=1_000_000)
                new = sorted(
                    (r for r in rows if r["id"] not in seen),
                    key=lambda r: (r["event_id"], r["channel"], r["subscriber_id"]),
                )
                if any(r["channel"] != ChannelKind.WEBHOOK.value for r in new):
                    events = {e["id"]: e for e in await service.store.recent_events(1_000_000)}
                for row in new:
                    seen.add(row["id"])
                    notice = _notice(str(file), row, events)
                    result.notices.append(notice)
                    if on_notice is not None:
                        on_notice(notice)
            result.held_for_review = len(await service.store.review_items("pending"))
            for report in await service.store.reports(None, limit=1_000_000):
                if report.source.source_id.startswith("simulate-"):
                    status = report.status.value
                    result.reports[status] = result.reports.get(status, 0) + 1
            result.changes = sum(
                1
                for e in await service.store.recent_events(1_000_000)
                if e["source_id"].startswith("simulate-")
            )
    return result


def _notice(
    document: str, row: dict[str, Any], events: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    channel = _CHANNEL_NAMES.get(row["channel"], row["channel"])
    if row["channel"] == ChannelKind.WEBHOOK.value:
        payload = json.loads(row["body"])
        data = payload.get("data", {})
        area, level, text = data.get("area"), data.get("level"), data.get("text", "")
        confirmed, kind = bool(data.get("confirmed", True)), payload.get("type", "")
    else:
        event = events.get(row["event_id"], {})
        area = {"id": event.get("area_id"), "name": event.get("area_name")}
        level, text, confirmed = event.get("level"), row["body"], True
        kind = f"level.{event.get('kind', '')}"
    return {
        "document": document,
        "channel": channel,
        "follower": row["subscriber_id"],
        "event": row["event_id"],
        "kind": kind,
        "area": area,
        "level": level,
        "confirmed": confirmed,
        "text": text,
    }


class _DocumentClock:
    """Each document is taken as received when it was published; time never runs backwards,
    and an undated document is received at the time of the one before it (at first: now)."""

    def __init__(self, start: datetime, *, may_go_back: bool = True) -> None:
        self.now = start
        self._dated = not may_go_back

    def __call__(self) -> datetime:
        return self.now

    def reach(self, published: datetime | None) -> None:
        if published is None:
            return
        if not self._dated or published > self.now:
            # The first dated document sets the scene, even in the past: a 2016 article is
            # simulated in 2016, so its term ("for 40 days") has not run out.
            self.now = published
            self._dated = True


async def _copy_store(config: Config, scratch: Config, now: datetime) -> None:
    """Copy the levels and the reports of the last window into the scratch database."""
    url = config.database_url
    if url.startswith("sqlite") and config.storage.url is None:
        path = config.resolve(config.data_dir) / "notifier.db"
        if not path.is_file():
            raise StoreError(f"--from-store: no database at {path} (has the service run?)")
    source = await Store.open(url, migrate_schema=False)
    try:
        states = await source.level_states()
        memory = await source.level_memory()
        try:
            held = await source.reports(None, limit=100_000)
        except Exception:  # an older schema without the reports table: levels only
            held = []
    except NotifierError:
        raise
    except Exception as exc:
        raise StoreError(f"--from-store: cannot read {url}: {type(exc).__name__}: {exc}") from exc
    finally:
        await source.close()
    target = await Store.open(scratch.database_url)
    try:
        window_start = now.timestamp() - scratch.trust.corroboration.window_s
        async with target.levels_transaction() as tx:
            await tx.commit_outcome(
                source_id="",
                document=None,
                level_writes=[(s.scheme, s.area.id, s) for s in states],
                new_events=[],
                notices=[],
                level_memory=memory,
                now=now,
            )
            for row in _recent(held, window_start):
                await tx.add_report(
                    Report(row.announcement, row.source),
                    reported_at=row.reported_at,
                    status=row.status,
                    needs=row.needs,
                    decided_by=row.decided_by,
                    now=row.created,
                )
    finally:
        await target.close()


def _recent(reports: Sequence[Any], since_ts: float) -> Iterator[Any]:
    for row in reversed(reports):  # oldest first, as they were recorded
        if row.reported_at.timestamp() >= since_ts:
            yield row
