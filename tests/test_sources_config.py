"""The source kinds in YAML: the README's example validates, and mistakes name their path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from notifier.config import SOURCE_TYPES, parse_config
from notifier.errors import ConfigError
from notifier.sources import options_for

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_sources_example_is_valid_and_covers_every_kind() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Sources\n") : text.index("\n## ", text.index("## Sources\n") + 1)]
    block = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert block is not None
    config = parse_config(block.group(1))
    assert sorted({s.type for s in config.sources}) == sorted(set(SOURCE_TYPES) - {"atom"})
    api = next(s for s in config.sources if s.id == "ministry-api")
    options = options_for(api)
    assert options.fields is not None and options.fields.text == ("lead", "body")
    assert options.fields.items == "data.news"


def test_source_config_errors_name_the_path() -> None:
    with pytest.raises(ConfigError) as err:
        parse_config(
            "sources:\n"
            "  - {id: a, type: html, url: 'https://x/', selector: 'p:first-child'}\n"
            "  - {id: b, type: cap, url: 'https://x/', max_links: -1}\n"
            "  - {id: c, type: json, url: 'https://x/', fields: {item: x}}\n"
        )
    assert err.value.errors == [
        "sources[0].selector (line 2, column 44): unsupported CSS selector part 'p:first-child' in 'p:first-child'",
        "sources[1].max_links (line 3, column 43): Input should be greater than or equal to 0",
        "sources[2].fields.item (line 4, column 53): unknown setting (check the spelling; see `notifier config-schema`)",
    ]
