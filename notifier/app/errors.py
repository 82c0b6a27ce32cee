"""What the application services raise; each transport maps them (HTTP 404/422, exit 1/2)."""

from __future__ import annotations

from notifier.errors import NotifierError


class Invalid(NotifierError):
    """A request names something the service cannot take; `field` says which part."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class NotFound(NotifierError):
    """What a request names does not exist."""


class Conflict(NotifierError):
    """The request cannot be done to this thing as it is (HTTP 409, exit 2): a subscriber the
    YAML owns is read-only, an id is taken."""
