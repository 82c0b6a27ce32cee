"""Configuration reload: all at once or not at all.

One door in, `ConfigReloader.reload(trigger)` (or `reload_if_changed()` from the file watcher),
one door out, the service's `swap_in(staged)`, called only with a configuration that was
parsed, checked, prepared and whose new channels started. Everything else is refused with the
running configuration left as it was, and the outcome recorded (`last`, /readyz, /metrics).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from apscheduler.triggers.interval import IntervalTrigger

from notifier import metrics
from notifier.channels import REGISTRY
from notifier.channels.base import Channel
from notifier.channels.running import start_channel
from notifier.config import Config, parse_config, read_config_text
from notifier.dispatch.outbox import RetryPolicy
from notifier.dispatch.render import Renderer
from notifier.errors import ConfigError
from notifier.extract import Catalog
from notifier.model import LevelState
from notifier.preflight import prepare, reload_refusals

__all__ = ["ConfigReloader", "ReloadOutcome", "Runtime", "Staged", "start_channel"]

log = logging.getLogger("notifier")


@dataclass(frozen=True, slots=True)
class ReloadOutcome:
    """How the last reload went: shown in the log, /readyz, the status page and /metrics."""

    ok: bool
    at: datetime
    trigger: str  # "file change" or "SIGHUP"
    errors: tuple[str, ...] = ()
    summary: str = ""


@dataclass
class Runtime:
    """What the running service builds from a configuration: retry policy, triggers and a new
    channel for each kind whose settings changed (`ChannelSpec.settings`), not started."""

    policy: RetryPolicy
    source_triggers: dict[str, IntervalTrigger]
    expiry_trigger: IntervalTrigger
    channels: dict[str, Channel] = field(default_factory=dict)


@dataclass
class Staged:
    """Everything a reload builds before it touches the running service."""

    config: Config
    catalog: Catalog
    renderer: Renderer
    runtime: Runtime
    warnings: list[str] = field(default_factory=list)


class ConfigReloader:
    """Watches the configuration's files and swaps in their configuration when it changes.

    The file is read only when it stayed the same across two looks `settle_s` apart; a file
    that ends mid-line must also be `unterminated_s` old (it is most likely being written).
    """

    def __init__(
        self,
        config_file: Path | None,
        *,
        overrides: dict[str, Any],
        current: Callable[[], Config],
        states: Callable[[], Sequence[LevelState]],
        runtime: Callable[[Config, Config], Runtime],
        swap_in: Callable[[Staged], Awaitable[None]],
        clock: Callable[[], datetime],
        settle_s: float = 0.5,
        unterminated_s: float = 10.0,
    ) -> None:
        self.config_file = config_file
        self.settle_s = settle_s
        self.unterminated_s = unterminated_s
        self.last: ReloadOutcome | None = None
        self._overrides = overrides
        self._current = current
        self._states = states
        self._runtime = runtime
        self._swap_in = swap_in
        self._clock = clock
        self._lock = asyncio.Lock()
        self._fingerprint = fingerprint(current(), config_file)

    async def reload_if_changed(self) -> bool:
        """Reload when the config file or a catalog/template file changed since last look."""
        if self.config_file is None:
            return False
        if fingerprint(self._current(), self.config_file) == self._fingerprint:
            return False
        return await self.reload("file change")

    async def reload(self, trigger: str = "file change", *, patience: int = 1) -> bool:
        """Swap in the file's configuration all at once, or refuse it and change nothing.

        Up to `patience` tries to read a settled file (otherwise the next look tries again).
        Everything that can fail (the schema, refusals of an empty or emptied file, catalogs,
        templates, triggers, channels) is built before the running service is touched.
        """
        if self.config_file is None:
            return False
        async with self._lock:
            marks = fingerprint(self._current(), self.config_file)
            try:
                text = await self._settled_text(patience)
            except ConfigError as exc:  # missing or unreadable: say so once, not every look
                self._fingerprint = marks
                return self._refused(trigger, exc.errors)
            if text is None:
                log.info("configuration file is still being written; reading it again soon")
                return False
            self._fingerprint = marks
            try:
                # Parsing and loading catalogs take seconds for large files: not on the loop.
                staged = await asyncio.to_thread(self._stage, text, self._current())
            except ConfigError as exc:
                return self._refused(trigger, exc.errors)
            except Exception as exc:
                # e.g. an OverflowError no bound foresaw: refuse rather than half-apply.
                log.exception("configuration reload failed while preparing it")
                return self._refused(trigger, [f"{type(exc).__name__}: {exc}"])
            refusal = await self._start_channels(staged)
            if refusal is not None:
                return self._refused(trigger, [refusal])
            try:
                await self._swap_in(staged)
            except Exception as exc:
                log.exception("configuration reload failed before it changed anything")
                for channel in staged.runtime.channels.values():
                    await channel.aclose()
                return self._refused(trigger, [f"{type(exc).__name__}: {exc}"])
            new = staged.config
            summary = (
                f"{len(new.sources)} sources, {len(new.subscribers)} SMS subscribers, "
                f"{len(new.webhooks)} webhooks"
            )
            self.record(ReloadOutcome(True, self._clock(), trigger, summary=summary))
            return True

    def degradations(self) -> list[str]:
        """What works less well than configured (for /readyz and the status page)."""
        last = self.last
        if last is None or last.ok:
            return []
        first = last.errors[0] if last.errors else "no reason given"
        more = f" (and {len(last.errors) - 1} more)" if len(last.errors) > 1 else ""
        return [
            f"configuration reload refused at {last.at.isoformat(timespec='seconds')} "
            f"({last.trigger}); the previous configuration runs: {first}{more}"
        ]

    async def _start_channels(self, staged: Staged) -> str | None:
        """Start the staged channels; on a failure close them all and say why."""
        channels = staged.runtime.channels
        for kind, channel in channels.items():
            try:
                await start_channel(channel)
            except Exception as exc:
                for built in channels.values():
                    await built.aclose()
                spec = REGISTRY.get(kind)
                label = spec.section if spec is not None and spec.section else kind
                return f"{label}: cannot start: {exc}"
        return None

    async def _settled_text(self, patience: int) -> str | None:
        """The file's text once two looks `settle_s` apart agree on size, mtime and content;
        None if it kept changing. A half-written file is caught between the looks."""
        assert self.config_file is not None
        for _ in range(max(patience, 1)):
            first = file_mark(self.config_file)
            await asyncio.sleep(self.settle_s)
            second = file_mark(self.config_file)
            if first is None and second is None:
                raise ConfigError(
                    [f"config file not found: {self.config_file}"], str(self.config_file)
                )
            if first is None or second is None or first[0] != second[0]:
                continue
            (_, mtime_ns, _), text = second
            age_s = time.time() - mtime_ns / 1e9
            if text and not text.endswith("\n") and age_s < self.unterminated_s:
                continue
            return text
        return None

    def _stage(self, text: str, old: Config) -> Staged:
        """Build everything the file's configuration needs; touches nothing that runs."""
        assert self.config_file is not None
        new = parse_config(text, file=self.config_file, overrides=self._overrides)
        refusals = reload_refusals(old, new, text)
        if refusals:
            raise ConfigError(refusals, str(self.config_file))
        warnings = [
            f"configuration: {part} changed; it takes effect after a restart"
            for part in ("storage", "server", "data_dir")
            if getattr(new, part) != getattr(old, part)
        ]
        new = new.model_copy(
            update={"storage": old.storage, "server": old.server, "data_dir": old.data_dir}
        )
        prepared = prepare(new)
        check_levels_known(prepared.catalog, self._states())
        return Staged(
            config=new,
            catalog=prepared.catalog,
            renderer=prepared.renderer,
            runtime=self._runtime(new, old),
            warnings=warnings,
        )

    def _refused(self, trigger: str, errors: Sequence[str]) -> bool:
        self.record(ReloadOutcome(False, self._clock(), trigger, tuple(errors)))
        return False

    def record(self, outcome: ReloadOutcome) -> None:
        self.last = outcome
        metrics.CONFIG_RELOADS.labels("ok" if outcome.ok else "refused").inc()
        metrics.CONFIG_LAST_RELOAD_OK.set(1 if outcome.ok else 0)
        if outcome.ok:
            log.info("configuration reloaded (%s): %s", outcome.trigger, outcome.summary)
        else:
            log.error(
                "configuration reload refused, the running one stays: %s",
                "; ".join(outcome.errors),
            )


def check_levels_known(catalog: Catalog, states: Sequence[LevelState]) -> None:
    """A catalog that no longer knows a level in force would break every update of its area."""
    errors = []
    for state in states:
        scheme = catalog.schemes.get(state.scheme)
        if scheme is None:
            errors.append(f"scheme {state.scheme!r} is gone but {state.area.id} is at its level")
        elif scheme.level(state.level) is None:
            errors.append(
                f"level {state.level!r} of scheme {state.scheme!r} is gone but "
                f"{state.area.id} is at it (lift it first, or keep the level)"
            )
    if errors:
        raise ConfigError(errors, "")


def file_mark(path: Path) -> tuple[tuple[int, int, str], str] | None:
    """((size, mtime, content hash), text) of the file, None while it is missing;
    ConfigError if it cannot be read."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError([f"cannot read config file: {exc}"], str(path)) from None
    text = read_config_text(path)
    # Compare contents, not only size and mtime: a rewrite within one mtime tick looks the same.
    digest = hashlib.sha256(text.encode()).hexdigest()
    return (st.st_size, st.st_mtime_ns, digest), text


def fingerprint(config: Config, config_file: Path | None) -> tuple[tuple[str, int, int], ...]:
    """Names, sizes and modification times of the files the configuration is made of."""
    paths: list[Path] = [config_file] if config_file else []
    folders = [config.resolve(config.catalog.schemes), config.resolve(config.catalog.areas)]
    if config.templates.dir is not None:
        folders.append(config.resolve(config.templates.dir))
    for folder in folders:
        if folder.is_dir():
            paths.extend(sorted(p for p in folder.iterdir() if p.is_file()))
    marks = []
    for path in paths:
        try:
            st = path.stat()
        except OSError:
            continue
        marks.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(marks)
