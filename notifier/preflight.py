"""Everything start-up checks beyond the YAML schema, in one function that `check-config`,
start-up and every reload share: catalogs, area ids, templates, and what a reload may drop.

`prepare(config)` either returns the pieces built from a valid configuration or raises one
`ConfigError` listing every problem with its YAML path and line.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from notifier.config import Config, EmptyPart, read_yaml
from notifier.dispatch.render import Renderer
from notifier.errors import ConfigError
from notifier.extract import Catalog


@dataclass(frozen=True, slots=True)
class Prepared:
    """What a valid configuration builds before anything runs."""

    config: Config
    catalog: Catalog
    renderer: Renderer


def prepare(config: Config) -> Prepared:
    """Load the catalog, check every cross-reference, compile the templates; raise ConfigError."""
    missing = [
        f"catalog.{name}{config.where('catalog', name)}: not a folder: {folder}"
        for name, folder in (
            ("schemes", config.resolve(config.catalog.schemes)),
            ("areas", config.resolve(config.catalog.areas)),
        )
        if not folder.is_dir()
    ]
    if missing:
        raise ConfigError(missing, "")
    catalog = Catalog.load(
        config.resolve(config.catalog.schemes), config.resolve(config.catalog.areas)
    )
    errors = check_areas(config, catalog)
    if errors:
        raise ConfigError(errors, "")
    renderer = Renderer.for_catalog(config.templates, base_dir=config.base_dir, catalog=catalog)
    return Prepared(config, catalog, renderer)


def check_areas(config: Config, catalog: Catalog) -> list[str]:
    """One line per follower area the catalog does not know, with the closest ids."""
    errors = []
    for group, items in (("subscribers", config.subscribers), ("webhooks", config.webhooks)):
        for i, follower in enumerate(items):
            for j, area in enumerate(follower.areas):
                if catalog.area(area) is None:
                    where = config.where(group, i, "areas", j)
                    errors.append(
                        f"{group}[{i}].areas[{j}]{where}: unknown area id {area!r}"
                        f"{suggest_area(catalog, area)}"
                    )
    return errors


def suggest_area(catalog: Catalog, text: str) -> str:
    """'; 'Almaty' is a name; did you mean KZ-ALA (Almaty) or KZ-ALM (Almaty Region)?', or ''."""
    by_upper = {area_id.upper(): area_id for area_id in catalog.areas}
    if text.strip().upper() in by_upper:
        exact = by_upper[text.strip().upper()]
        return f"; ids are written exactly; did you mean {_alternatives(catalog, [exact])}?"
    named = catalog.find_area(text)
    if named is not None:
        ids = [named, *_twins(catalog, named)]
        return f"; {text!r} is a name; did you mean {_alternatives(catalog, ids)}?"
    close = difflib.get_close_matches(text.upper(), list(by_upper), n=3, cutoff=0.75)
    if close:
        return f"; did you mean {_alternatives(catalog, [by_upper[c] for c in close])}?"
    return " (`notifier areas QUERY` lists the ids)"


def _twins(catalog: Catalog, area_id: str) -> list[str]:
    """Areas sharing the bare name: a city's region and the region's city."""
    twins = []
    own = catalog.areas[area_id].twin
    if own and own in catalog.areas:
        twins.append(own)
    twins.extend(a.id for a in catalog.areas.values() if a.twin == area_id and a.id != area_id)
    return [t for t in dict.fromkeys(twins) if t != area_id]


def _alternatives(catalog: Catalog, ids: list[str]) -> str:
    parts = [f"{i} ({catalog.area_name(i)})" for i in ids]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def reload_refusals(running: Config, new: Config, text: str) -> list[str]:
    """Why a reload from `running` to `new` (read from `text`) must not happen, or [].

    An empty file is never taken, and a file that drops every source, every follower or the
    Twilio credentials is taken only when it says so: the part written out (`sources: []`) and
    named in `allow_empty`. Half-written files look exactly like that.
    """
    if read_yaml(text, positions=False)[0] in (None, {}):
        return ["the file is empty (or only comments)"]
    written = new.model_fields_set
    allowed = set(new.allow_empty)

    def meant(part: EmptyPart, *keys: str) -> bool:
        return part in allowed and set(keys) <= written

    out = []
    if running.sources and not new.sources and not meant(EmptyPart.SOURCES, "sources"):
        out.append(
            f"sources{new.where('sources')}: the file has no sources but "
            f"{len(running.sources)} are running; to remove them all write `sources: []` "
            "and `allow_empty: [sources]`"
        )
    running_followers = len(running.subscribers) + len(running.webhooks)
    emptied = running_followers and not (new.subscribers or new.webhooks)
    if emptied and not meant(EmptyPart.FOLLOWERS, "subscribers", "webhooks"):
        out.append(
            f"subscribers, webhooks: the file has no followers but {running_followers} "
            "are configured; to remove them all write `subscribers: []`, `webhooks: []` "
            "and `allow_empty: [followers]`"
        )
    dry = not running.twilio.dry_run and new.twilio.dry_run
    if dry and not meant(EmptyPart.TWILIO, "twilio"):
        out.append(
            f"twilio{new.where('twilio')}: the file has no Twilio credentials but they are "
            "in use (SMS would switch to dry-run and print messages instead of sending "
            "them); to mean it write `twilio: {}` and `allow_empty: [twilio]`"
        )
    return out
