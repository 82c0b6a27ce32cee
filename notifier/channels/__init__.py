"""The channel registry: every channel kind the service can deliver through.

Each kind is one folder here exporting a `ChannelSpec` as `SPEC` (`twilio_sms/`, `webhook/`);
routing, rendering, the service and the subscribers service look a kind up here and never
branch on one. README "Delivery" shows how to add a kind.
"""

from __future__ import annotations

from collections.abc import Iterator

from notifier.channels.spec import ChannelContext, ChannelSpec
from notifier.config import Follower

__all__ = ["REGISTRY", "ChannelContext", "ChannelSpec", "Registry"]


class Registry:
    """Channel specs by kind, with lookups by follower model and by contact kind."""

    def __init__(self, *specs: ChannelSpec) -> None:
        self._specs: dict[str, ChannelSpec] = {}
        # The spec of each follower class met so far: `of` runs once per follower and
        # notice (10,000 times in a fan-out), and isinstance on pydantic models is not cheap.
        self._by_type: dict[type, ChannelSpec] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: ChannelSpec) -> ChannelSpec:
        """Add a kind; its `kind`, `contact` and follower model must be new."""
        for other in self._specs.values():
            if spec.kind == other.kind or spec.contact == other.contact:
                raise ValueError(f"channel kind {spec.kind!r}/{spec.contact!r} already registered")
            if spec.follower is other.follower:
                raise ValueError(f"{spec.follower.__name__} already belongs to {other.kind!r}")
        self._specs[spec.kind] = spec
        self._by_type.clear()
        return spec

    def unregister(self, kind: str) -> None:
        self._specs.pop(kind, None)
        self._by_type.clear()

    def __iter__(self) -> Iterator[ChannelSpec]:
        return iter(list(self._specs.values()))

    def __len__(self) -> int:
        return len(self._specs)

    def get(self, kind: str) -> ChannelSpec | None:
        return self._specs.get(kind)

    def of(self, follower: Follower) -> ChannelSpec:
        """The kind a follower (a validated contact) is delivered through."""
        known = self._by_type.get(type(follower))
        if known is not None:
            return known
        for spec in self._specs.values():
            if isinstance(follower, spec.follower):
                self._by_type[type(follower)] = spec
                return spec
        raise TypeError(f"no channel for {type(follower).__name__}")

    def contact(self, contact_kind: str) -> ChannelSpec | None:
        """The kind whose contacts are called `contact_kind` (`sms`, `webhook`)."""
        for spec in self._specs.values():
            if spec.contact == contact_kind:
                return spec
        return None

    @property
    def contact_kinds(self) -> tuple[str, ...]:
        return tuple(spec.contact for spec in self._specs.values())


def _builtin() -> Registry:
    from notifier.channels import twilio_sms, webhook

    return Registry(twilio_sms.SPEC, webhook.SPEC)


REGISTRY = _builtin()
