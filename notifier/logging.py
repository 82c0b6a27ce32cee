"""Log set-up and bound context: `console` lines for people, `json` objects for machines.

Context (source, document, event, delivery, replica) lives in a ContextVar, so each asyncio
task carries its own:

    with bind(source=source.id):
        ...  # every record logged in here carries source=<id>

`@bound(lambda self, source, *_, **__: {"source": source.id})` does the same for a whole
coroutine function, which keeps a stage's body as it was.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import sys
from collections.abc import Callable, Coroutine, Iterator, Mapping
from types import MappingProxyType
from typing import Any, ParamSpec, TypeVar

from pythonjsonlogger.json import JsonFormatter

CONTEXT_KEYS = ("replica", "source", "document", "event", "delivery")
NOISY = ("apscheduler", "aiohttp.access", "twilio.http_client", "alembic")

_context: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "notifier_log_context", default=MappingProxyType({})
)
_process: dict[str, Any] = {}  # fields of every record of the process (the replica's name)

P = ParamSpec("P")
R = TypeVar("R")


@contextlib.contextmanager
def bind(**fields: Any) -> Iterator[None]:
    """Add `fields` to every record logged inside the block (by this task)."""
    token = _context.set(MappingProxyType({**_context.get(), **fields}))
    try:
        yield
    finally:
        _context.reset(token)


def bound(
    fields: Callable[..., Mapping[str, Any]],
) -> Callable[[Callable[P, Coroutine[Any, Any, R]]], Callable[P, Coroutine[Any, Any, R]]]:
    """Decorate a coroutine function: `fields(*args, **kwargs)` is bound while it runs."""

    def wrap(func: Callable[P, Coroutine[Any, Any, R]]) -> Callable[P, Coroutine[Any, Any, R]]:
        @functools.wraps(func)
        async def run(*args: P.args, **kwargs: P.kwargs) -> R:
            with bind(**fields(*args, **kwargs)):
                return await func(*args, **kwargs)

        return run

    return wrap


def bind_process(**fields: Any) -> None:
    """Fields for every record of this process, whatever task logs it (the replica's name)."""
    _process.update(fields)


def current() -> dict[str, Any]:
    return {**_process, **_context.get()}


class ContextFilter(logging.Filter):
    """Copies the bound context onto each record: attributes for JSON, `record.context` text."""

    def filter(self, record: logging.LogRecord) -> bool:
        fields = current()
        for key, value in fields.items():
            if not hasattr(record, key):
                setattr(record, key, value)
        shown = {k: v for k, v in fields.items() if k != "replica"}
        record.context = (
            (" [" + " ".join(f"{k}={v}" for k, v in shown.items()) + "]") if shown else ""
        )
        return True


def configure(level: str, fmt: str, stream: Any = None) -> None:
    """Set up the root logger for `notifier run`; `fmt` is console or json."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(ContextFilter())
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(levelname)s %(name)s %(message)s",
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp="time",  # ISO 8601 in UTC
                reserved_attrs=[*_RESERVED, "context"],
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)-7s %(name)s: %(message)s%(context)s", datefmt="%H:%M:%S"
            )
        )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING)


# The attributes every LogRecord has; the JSON formatter adds any other attribute as a field.
_RESERVED = [
    *vars(logging.LogRecord("", 0, "", 0, "", None, None)),
    "message",
    "asctime",
    "taskName",
]
