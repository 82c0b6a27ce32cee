"""The reload's two steps on the running service (`ConfigReloader` calls them).

`runtime(service, new, old)` builds, off the event loop, what a new configuration needs before
it can run (retry policy, triggers, new channels); `swap_in(service, staged)` then puts a staged
configuration into every stage. Only swap-in's first steps, syncing the YAML's subscribers into
the subscribers table (one transaction) and reading them back, can fail, and they fail before
anything in memory changed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from apscheduler.triggers.interval import IntervalTrigger

from notifier.config import Config
from notifier.dispatch.followers import FollowerCache
from notifier.lifecycle.jobs import source_triggers
from notifier.lifecycle.outbox import reconfigure_outbox, retry_policy
from notifier.lifecycle.reload import Runtime, Staged

if TYPE_CHECKING:
    from notifier.service import Service

__all__ = ["runtime", "swap_in"]

log = logging.getLogger("notifier")


def runtime(service: Service, new: Config, old: Config) -> Runtime:
    """What a new configuration needs built before it can run; called off the loop."""
    return Runtime(
        policy=retry_policy(new, service.rng),
        source_triggers=source_triggers(new),
        expiry_trigger=IntervalTrigger(seconds=new.levels.expiry_check_s),
        channels=service.channels.build(new, old),
    )


async def swap_in(service: Service, staged: Staged) -> None:
    """Apply a staged configuration to every stage of `service`."""
    old, new = service.config, staged.config
    async with service.levels.lock, service.followers.lock:
        await service.services.subscribers.sync_config(new)
        cache: FollowerCache = {}  # a new catalog: every follower validated again
        router, version = await service.followers.rebuilt(staged.catalog, cache)
        # From here on nothing depends on the database or on the file's values.
        service.config, service.catalog, service.renderer = new, staged.catalog, staged.renderer
        service.followers.install(router, version, cache)
        service.levels.reconfigure()
    await service.intake.reconfigure(new)
    if service.started and service.start_scheduler:
        service.tasks.spawn(service.intake.warm_up(), "warm-up")
    service.guard.allow = list(new.network.allow)
    for warning in staged.warnings:
        log.warning("%s", warning)
    staged_runtime = staged.runtime
    if service.start_scheduler:
        service.jobs.reschedule(
            new, old, staged_runtime.source_triggers, staged_runtime.expiry_trigger,
            service.poll_source,
        )  # fmt: skip
    service.channels.swap(staged_runtime.channels)
    reconfigure_outbox(service.outbox, new, staged_runtime.policy)
