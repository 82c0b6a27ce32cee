"""The transports (HTTP handlers, CLI commands, channels' provider routes) reach the pipeline
only through the application layer (`notifier.app`): none touches the store, its engine, the
router or the Service itself. Read from the source, so a new handler cannot slip past."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "notifier"
TRANSPORTS = sorted(
    [
        *(ROOT / "web").glob("*.py"),
        *ROOT.glob("cli*.py"),
        *ROOT.glob("channels/*/routes.py"),
    ]
)
# Attributes that are the pipeline's insides, not the application layer.
FORBIDDEN = {"store", "engine", "followers", "router", "dispatching", "outbox", "levels_book"}
# The one place a transport holds the Service: `create_app` hands each handler its services,
# and `run` and the CLI's clients own the container's lifecycle.
ALLOWED_SERVICE_USE = {
    "app.py": {"services", "start", "stop", "config", "catalog", "clock", "echo"},
    "cli.py": {"services", "request_reload"},  # `run`: SIGHUP is the container's reload
}


def _attributes_of(tree: ast.AST, name: str) -> set[str]:
    return {
        node.attr
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == name
    }


def test_transports_reach_only_the_application_layer() -> None:
    assert len(TRANSPORTS) > 10
    for path in TRANSPORTS:
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        if "from notifier.service import Service" in text:  # `service` is the container here
            used = _attributes_of(tree, "service")
            allowed = ALLOWED_SERVICE_USE.get(path.name, {"services"})
            assert used <= allowed, f"{path.relative_to(ROOT)} reaches service.{used - allowed}"
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN:
                # `app.router` is aiohttp's URL router, not the subscribers' one.
                if node.attr == "router" and ast.unparse(node.value) in ("app", "request.app"):
                    continue
                # `SubscriberService.followers(kind)` is the application layer's own listing.
                if node.attr == "followers" and ast.unparse(node.value).endswith("subscribers"):
                    continue
                raise AssertionError(
                    f"{path.relative_to(ROOT)}:{node.lineno} reaches .{node.attr} "
                    "(call an application service in notifier/app instead)"
                )


def test_handlers_get_their_services_through_app_keys_not_the_service() -> None:
    for path in (ROOT / "web").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "AppKey[Service]" not in text, path.name
        assert "request.app[SERVICE]" not in text, path.name
