"""Typed errors: a user sees one clear line, a log carries the detail."""

from __future__ import annotations


class NotifierError(Exception):
    """Base of every error notifier raises on purpose."""


class ConfigError(NotifierError):
    """The configuration is invalid; `errors` holds one line per problem, each with its YAML path."""

    def __init__(self, errors: list[str], file: str = "") -> None:
        self.errors = errors
        self.file = file
        where = f"{file}: " if file else ""
        super().__init__(where + "; ".join(errors))


class CatalogError(ConfigError):
    """A scheme or area file is invalid."""


class SourceError(NotifierError):
    """A source could not be fetched or read."""


class ParseError(SourceError):
    """Bytes could not be parsed into documents (malformed, hostile or too large)."""


class StoreError(NotifierError):
    """The database could not be reached or migrated."""


class DeliveryError(NotifierError):
    """A channel could not be set up (not a failed attempt: those are DeliveryResults)."""
