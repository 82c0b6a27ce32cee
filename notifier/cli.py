"""The `notifier` command: run | check-config | config-schema | extract | ..."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from notifier.config import Config, config_json_schema, default_config_path, load_config
from notifier.errors import ConfigError

CONFIG_OPTION = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Config file (default: $NOTIFIER_CONFIG or config/notifier.yaml).",
)


def _load(config_path: Path | None) -> Config:
    try:
        return load_config(config_path)
    except ConfigError as exc:
        _print_config_error(exc)
        sys.exit(2)


def _print_config_error(exc: ConfigError) -> None:
    click.echo(f"error: invalid configuration {exc.file}".rstrip(), err=True)
    for line in exc.errors:
        click.echo(f"  {line}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="notifier")
def main() -> None:
    """Watch feeds for threat-level announcements and notify subscribers by SMS and webhook."""


@main.command("check-config")
@CONFIG_OPTION
def check_config(config_path: Path | None) -> None:
    """Validate the configuration; exit 0 when valid, 2 with one line per error otherwise."""
    path = config_path or default_config_path()
    config = _load(path)
    click.echo(
        f"{path}: ok ({len(config.sources)} sources, {len(config.subscribers)} SMS subscribers, "
        f"{len(config.webhooks)} webhooks)"
    )


@main.command("config-schema")
def config_schema() -> None:
    """Print the JSON Schema of the configuration (for editor completion)."""
    click.echo(json.dumps(config_json_schema(), indent=2, ensure_ascii=False))


if __name__ == "__main__":  # pragma: no cover
    main()
