"""Configuration: exact error lines with YAML paths and line/column, env interpolation, the CLI's exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from notifier.cli import main
from notifier.config import load_config, parse_config, read_yaml
from notifier.errors import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def errors_of(text: str, environ: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, environ=environ or {})
    return info.value.errors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "sources:\n  - id: a\n    type: rss\n    url: https://x.example/feed\n    intervall_s: 5\n",
            "sources[0].intervall_s (line 5, column 5): unknown setting (check the spelling; see `notifier config-schema`)",
        ),
        (
            "sources:\n  - id: a\n    type: rss\n    url: ftp://x.example/feed\n",
            "sources[0].url (line 4, column 5): must be an http:// or https:// URL",
        ),
        (
            "sources:\n  - id: a\n    type: twitter\n",
            "sources[0] (line 2, column 5): unknown type 'twitter'; expected one of "
            "'dir', 'file', 'rss', 'atom', 'cap', 'geojson', 'json', 'html'",
        ),
        ("sources:\n  - id: a\n", "sources[0] (line 2, column 5): missing 'type'"),
        (
            "subscribers:\n  - id: s\n    phone: '12345'\n    areas: [KZ]\n",
            "subscribers[0].phone (line 3, column 5): '12345' is not in E.164 form: write + and the country code, "
            "e.g. +77012345678",
        ),
        (
            "subscribers:\n  - id: s\n    phone: '+77012345678'\n    areas: [KZ]\n"
            "    min_severity: huge\n",
            "subscribers[0].min_severity (line 5, column 5): Input should be 'minor', 'moderate', 'severe' or 'extreme'",
        ),
        (
            "sources:\n  - {id: a, type: dir, path: x}\n  - {id: a, type: dir, path: y}\n",
            "sources[1].id (line 3, column 6): duplicate id 'a' (first at sources[0])",
        ),
        (
            "webhooks:\n  - id: w\n    url: https://x.example/h\n    secret: nope!\n    areas: [KZ]\n",
            "webhooks[0].secret (line 4, column 5): must be whsec_ followed by base64 (24 to 64 random bytes)",
        ),
        (
            "twilio:\n  account_sid: AC123\n  auth_token: t\n",
            "twilio (line 1, column 1): set exactly one of from & messaging_service_sid",
        ),
        (
            "twilio:\n  account_sid: AC123\n",
            "twilio (line 1, column 1): set both account_sid and auth_token, or neither (dry-run)",
        ),
        (
            "subscribers:\n  - id: s\n    phone: '+77012345678'\n    areas: []\n",
            "subscribers[0].areas (line 4, column 5): List should have at least 1 item after validation, not 0",
        ),
        (
            "subscribers:\n  - id: s\n    phone: '+77012345678'\n    areas: [KZ]\n    language: Russian\n",
            "subscribers[0].language (line 5, column 5): must be a two-letter ISO 639-1 language code such as en, ru or kk",
        ),
        ("- a\n- b\n", "the top level must be a mapping of settings, not list"),
        (
            "subscribers:\n  - {id: x, phone: '+77012345678', areas: [KZ]}\n"
            "webhooks:\n  - {id: x, url: 'https://x.example/h', areas: [KZ], "
            "secret: whsec_PXnfEUHYY4coxTWm/udnPUK/7TVJYodAuOssgxKbfPg=}\n",
            "webhooks[0].id (line 4, column 6): id 'x' is also subscribers[0].id; a follower id "
            "must be unique across subscribers and webhooks",
        ),
        (
            "subscribers:\n  - {id: 'sms:77012345678', phone: '+77012345678', areas: [KZ]}\n",
            "subscribers[0].id (line 2, column 6): ids starting with 'sms:' are reserved for "
            "people who join by SMS",
        ),
    ],
)
def test_each_mistake_gets_one_line_with_its_yaml_path(text: str, expected: str) -> None:
    assert errors_of(text) == [expected]


def test_yaml_syntax_error_names_line_and_column() -> None:
    assert errors_of("sources:\n  - id: a\n   type: dir\n") == [
        "YAML syntax error at line 3, column 4: expected <block end>, but found "
        "'<block mapping start>'"
    ]


def test_missing_environment_variable_is_named() -> None:
    assert errors_of("twilio:\n  auth_token: ${NOPE_TOKEN}\n") == [
        "twilio.auth_token (line 2, column 3): environment variable NOPE_TOKEN is not set "
        "(write ${NOPE_TOKEN:-} to make it optional)"
    ]


def test_several_mistakes_are_all_reported() -> None:
    text = (
        "sources:\n  - {id: a, type: rss, url: 'ftp://x'}\n"
        "subscribers:\n  - {id: s, phone: '+77012345678', areas: [KZ], colour: red}\n"
    )
    assert errors_of(text) == [
        "sources[0].url (line 2, column 24): must be an http:// or https:// URL",
        "subscribers[0].colour (line 4, column 49): unknown setting (check the spelling; see `notifier config-schema`)",
    ]


def test_env_interpolation_and_secret_stays_hidden() -> None:
    config = parse_config(
        "twilio:\n  account_sid: ${SID}\n  auth_token: ${TOKEN}\n  from: '+15005550006'\n",
        environ={"SID": "AC0123", "TOKEN": "s3cr3t-token"},
    )
    assert config.twilio.account_sid == "AC0123"
    assert config.twilio.auth_token is not None
    assert config.twilio.auth_token.get_secret_value() == "s3cr3t-token"
    assert "s3cr3t-token" not in repr(config)
    assert "s3cr3t-token" not in config.model_dump_json()
    assert not config.twilio.dry_run


def test_optional_env_with_empty_default_means_dry_run() -> None:
    config = parse_config(
        "twilio:\n  account_sid: ${SID:-}\n  auth_token: ${TOKEN:-}\n", environ={}
    )
    assert config.twilio.dry_run


def test_phone_numbers_are_normalised_to_e164() -> None:
    config = parse_config(
        "subscribers:\n  - {id: s, phone: '+7 701 234-56-78', areas: [KZ]}\n", environ={}
    )
    assert config.subscribers[0].phone == "+77012345678"


def test_relative_paths_resolve_against_the_config_folder(tmp_path: Path) -> None:
    file = tmp_path / "conf" / "n.yaml"
    file.parent.mkdir()
    file.write_text("data_dir: ../state\n")
    config = load_config(file, environ={})
    assert config.resolve(config.data_dir) == tmp_path / "conf" / ".." / "state"
    assert config.database_url == f"sqlite+aiosqlite:///{tmp_path}/conf/../state/notifier.db"


def test_default_config_is_valid() -> None:
    result = CliRunner().invoke(
        main, ["check-config", "--config", str(ROOT / "config" / "notifier.yaml")]
    )
    assert result.exit_code == 0, result.output
    assert "ok (1 sources, 3 SMS subscribers, 1 webhooks)" in result.output


def test_check_config_exits_non_zero_with_one_line_per_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - {id: a, type: rss, url: 'ftp://x'}\nserver: {port: 99999}\n")
    result = CliRunner().invoke(main, ["check-config", "--config", str(bad)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"error: invalid configuration {bad}",
        "  server.port (line 3, column 10): Input should be less than or equal to 65535",
        "  sources[0].url (line 2, column 24): must be an http:// or https:// URL",
    ]


def test_check_config_reports_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check-config", "--config", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert f"config file not found: {tmp_path / 'nope.yaml'}" in result.output


def test_config_env_variable_chooses_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "other.yaml"
    file.write_text(CATALOG + "log_level: DEBUG\n")
    monkeypatch.setenv("NOTIFIER_CONFIG", str(file))
    result = CliRunner().invoke(main, ["check-config"])
    assert result.exit_code == 0
    assert result.output.startswith(f"{file}: ok")


def test_config_schema_is_json_schema_of_the_config() -> None:
    result = CliRunner().invoke(main, ["config-schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["title"] == "notifier configuration"
    assert {"sources", "subscribers", "webhooks", "twilio", "storage"} <= set(schema["properties"])
    assert "base_dir" not in schema["properties"]


def test_quiet_hours_overnight_and_same_day() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from notifier.config import QuietHours

    night = QuietHours.model_validate({"start": "22:00", "end": "07:00", "timezone": "Asia/Almaty"})
    # Almaty is UTC+5 since March 2024: 18:30 UTC is 23:30 local, quiet until 07:00 next day.
    ends = night.ends_after(datetime(2024, 7, 1, 18, 30, tzinfo=UTC))
    assert ends is not None
    assert ends.astimezone(UTC) == datetime(2024, 7, 2, 2, 0, tzinfo=UTC)
    early = night.ends_after(datetime(2024, 7, 1, 0, 30, tzinfo=UTC))  # 05:30 local
    assert early is not None
    assert early.astimezone(UTC) == datetime(2024, 7, 1, 2, 0, tzinfo=UTC)
    assert night.ends_after(datetime(2024, 7, 1, 9, 0, tzinfo=UTC)) is None  # 14:00 local
    lunch = QuietHours.model_validate({"start": "12:00", "end": "13:00"})
    assert lunch.ends_after(datetime(2024, 7, 1, 12, 59, tzinfo=UTC)) == datetime(
        2024, 7, 1, 13, 0, tzinfo=ZoneInfo("UTC")
    )
    assert lunch.ends_after(datetime(2024, 7, 1, 13, 0, tzinfo=UTC)) is None


def test_quiet_hours_unknown_zone_is_named() -> None:
    assert errors_of(
        "subscribers:\n  - id: s\n    phone: '+77012345678'\n    areas: [KZ]\n"
        "    quiet_hours: {start: '22:00', end: '07:00', timezone: Mars/Olympus}\n"
    ) == [
        "subscribers[0].quiet_hours.timezone (line 5, column 49): unknown time zone 'Mars/Olympus' "
        "(use an IANA name such as Asia/Almaty)"
    ]


# --- bounds: a value that validates must never overflow a timer later ---------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "sources:\n  - {id: a, type: dir, path: x, interval_s: 1e14}\n",
            "sources[0].interval_s (line 2, column 33): must be at most "
            "2.592e+06 seconds (30 days)",
        ),
        (
            "sources:\n  - {id: a, type: dir, path: x, interval_s: .inf}\n",
            "sources[0].interval_s (line 2, column 33): must be a finite number of seconds, "
            "not inf",
        ),
        (
            "outbox:\n  lease_s: 1e11\n",
            "outbox.lease_s (line 2, column 3): must be at most 2.592e+06 seconds (30 days)",
        ),
        (
            "outbox:\n  retry_schedule_s: [5, 1e13]\n",
            "outbox.retry_schedule_s[1] (line 2, column 25): must be at most "
            "2.592e+06 seconds (30 days)",
        ),
        (
            "outbox:\n  max_attempts: 1e9\n",
            "outbox.max_attempts (line 2, column 3): Input should be less than or equal to 100",
        ),
        (
            "sources:\n  - {id: a, type: rss, url: 'https://x/', timeout_s: .nan}\n",
            "sources[0].timeout_s (line 2, column 43): must be a finite number of seconds, not nan",
        ),
        (
            "sources:\n  - {id: a, type: rss, url: 'https://x/', max_bytes: 1e12}\n",
            "sources[0].max_bytes (line 2, column 43): Input should be less than or equal to "
            "67108864",
        ),
        (
            "levels:\n  flap_window_s: -1\n",
            "levels.flap_window_s (line 2, column 3): Input should be greater than or equal to 0",
        ),
    ],
)
def test_durations_counts_and_sizes_have_sane_bounds(text: str, expected: str) -> None:
    assert errors_of(text) == [expected]


def test_check_config_refuses_the_values_that_broke_a_reload(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "sources:\n  - {id: a, type: dir, path: x, interval_s: 1e14}\n"
        "outbox: {lease_s: 1e11, retry_schedule_s: [1e13]}\n"
    )
    result = CliRunner().invoke(main, ["check-config", "--config", str(bad)])
    assert result.exit_code == 2
    assert result.output.splitlines()[1:] == [
        "  sources[0].interval_s (line 2, column 33): must be at most 2.592e+06 seconds (30 days)",
        "  outbox.retry_schedule_s[0] (line 3, column 44): must be at most "
        "2.592e+06 seconds (30 days)",
        "  outbox.lease_s (line 3, column 10): must be at most 2.592e+06 seconds (30 days)",
    ]


def _numeric_fields(model: type, path: str, seen: set[type]) -> list[tuple[str, object]]:
    """(path, FieldInfo) of every int/float field reachable from `model`."""
    import types
    import typing

    from pydantic import BaseModel

    out: list[tuple[str, object]] = []
    if model in seen:
        return out
    seen.add(model)
    for name, info in model.model_fields.items():  # type: ignore[attr-defined]
        todo = [info.annotation]
        while todo:
            tp = todo.pop()
            origin = typing.get_origin(tp)
            if origin is typing.Annotated:
                todo.append(typing.get_args(tp)[0])
            elif origin in (typing.Union, types.UnionType, list, dict, tuple):
                todo.extend(typing.get_args(tp))
            elif isinstance(tp, type) and issubclass(tp, BaseModel):
                out.extend(_numeric_fields(tp, f"{path}{name}.", seen))
            elif tp in (int, float):
                out.append((f"{path}{name}", info))
    return out


def _upper_bound(info: object, annotation: object) -> bool:
    import typing

    metadata = list(getattr(info, "metadata", []))
    todo = [annotation]
    while todo:  # the bound of a list item sits on the item's Annotated type
        tp = todo.pop()
        if typing.get_origin(tp) is typing.Annotated:
            metadata.extend(getattr(m, "metadata", [m]) for m in typing.get_args(tp)[1:])
            todo.append(typing.get_args(tp)[0])
        else:
            todo.extend(typing.get_args(tp))
    flat = [x for m in metadata for x in (m if isinstance(m, list) else [m])]
    return any(hasattr(m, "le") or hasattr(m, "lt") for m in flat)


def test_every_number_in_the_config_has_an_upper_bound() -> None:
    """A new duration, count or size must use Seconds, Count, ByteSize … (see config.py)."""
    from notifier.config import Config

    unbounded = [
        path
        for path, info in _numeric_fields(Config, "", set())
        if not _upper_bound(info, info.annotation)  # type: ignore[attr-defined]
    ]
    assert unbounded == []


# --- YAML 1.2: no silent type changes ----------------------------------------------------------


def test_yaml_1_2_keeps_times_no_and_unquoted_words_as_written() -> None:
    config = parse_config(
        "subscribers:\n"
        "  - id: s\n    phone: '+4791234567'\n    areas: [NO]\n    language: no\n"
        "    quiet_hours: {start: 22:00, end: 07:30, timezone: Europe/Oslo}\n",
        environ={},
    )
    sub = config.subscribers[0]
    assert sub.language == "no"
    assert sub.quiet_hours is not None
    assert (sub.quiet_hours.start.isoformat(), sub.quiet_hours.end.isoformat()) == (
        "22:00:00",
        "07:30:00",
    )
    assert sub.quiet_hours.start.tzinfo is None


def test_an_unquoted_phone_number_says_to_quote_it() -> None:
    assert errors_of("subscribers:\n  - id: s\n    phone: +77011112233\n    areas: [KZ]\n") == [
        "subscribers[0].phone (line 3, column 5): read as the number 77011112233: write the "
        "phone number in quotes with + and the country code, e.g. phone: '+77011112233'"
    ]


def test_a_quiet_hour_given_as_a_number_or_with_an_offset_is_refused() -> None:
    head = "subscribers:\n  - id: s\n    phone: '+77011112233'\n    areas: [KZ]\n"
    assert errors_of(head + "    quiet_hours: {start: 1320, end: '07:00'}\n") == [
        "subscribers[0].quiet_hours.start (line 5, column 19): write the time as 'HH:MM' in "
        "quotes, e.g. '22:00', not 1320"
    ]
    assert errors_of(head + "    quiet_hours: {start: '22:00+05:00', end: '07:00'}\n") == [
        "subscribers[0].quiet_hours.start (line 5, column 19): give the local time without an "
        "offset; `timezone` says where"
    ]


def test_duplicate_keys_are_an_error_with_their_line() -> None:
    assert errors_of("log_level: INFO\nlog_level: DEBUG\n") == [
        'YAML syntax error at line 2, column 1: found duplicate key "log_level" with value '
        '"DEBUG" (original value: "INFO")'
    ]


# --- hostile YAML: bounded work, one clear line --------------------------------------------------


def test_alias_bombs_are_refused_quickly() -> None:
    import time

    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    started = time.perf_counter()
    assert errors_of("\n".join(lines) + "\n") == [
        "YAML too large: more than 1000000 values (after expanding aliases)"
    ]
    assert time.perf_counter() - started < 5


def test_anchors_aliases_and_merge_keys_read_as_plain_values() -> None:
    data, positions = read_yaml(
        "base: &base {language: ru, min_severity: severe}\n"
        "subscribers:\n"
        "  - <<: *base\n"
        "    id: a\n"
        "    areas: &kz [KZ]\n"
        "  - {<<: [{language: kk}, *base], id: b, areas: *kz, language: en}\n"
    )
    a, b = data["subscribers"]
    assert a == {"language": "ru", "min_severity": "severe", "id": "a", "areas": ["KZ"]}
    # keys written in the mapping win; of the merged mappings, the first wins
    assert b == {"id": "b", "areas": ["KZ"], "language": "en", "min_severity": "severe"}
    assert positions[("subscribers", 0, "id")] == (4, 5)
    assert positions[("subscribers", 0, "language")] == (3, 5)  # merged: where the map starts


def test_positions_are_read_when_a_message_needs_them_and_skip_overridden_keys() -> None:
    text = "log_level: INFO\nserver:\n  host: 127.0.0.1\n  port: 8080\n"
    config = parse_config(text, environ={}, overrides={"server.port": 9000})
    assert config.server.port == 9000
    assert config.where("log_level") == " (line 1, column 1)"
    assert config.where("server", "host") == " (line 3, column 3)"
    # the command line set the port: the message points at its parent, not at line 4
    assert config.where("server", "port") == " (line 2, column 1)"
    assert errors_of("log_level: ${LEVEL}\n") == [
        "log_level (line 1, column 1): environment variable LEVEL is not set (write "
        "${LEVEL:-} to make it optional)"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a: 1\n---\nb: 2\n", "YAML syntax error: expected a single document in the stream"),
        ("a: *nowhere\n", "YAML syntax error at line 1, column 4: found undefined alias"),
        ("? [x]\n: 1\n", "<top>: a key must be a plain word"),
        ("a: !!set {x}\n", "a: unsupported YAML tag tag:yaml.org,2002:set"),
        ("a: !!binary aGk=\n", "a: unsupported YAML tag tag:yaml.org,2002:binary"),
        ("a: !custom x\n", "a: unsupported YAML tag !custom"),
        ("a: &x 1\nb:\n  <<: *x\n", "YAML syntax error at line 3, column 3: expected a"),
    ],
)
def test_hostile_yaml_shapes_are_one_line(text: str, expected: str) -> None:
    (error,) = errors_of(text)
    assert error.startswith(expected)


def test_an_alias_is_charged_its_full_size_each_time_it_is_used() -> None:
    # 1,001 values behind one anchor, used 1,000 times: a million once expanded.
    items = ", ".join(["x"] * 1000)
    text = f"a: &a [{items}]\nb: [" + ", ".join(["*a"] * 1000) + "]\n"
    assert errors_of(text) == ["YAML too large: more than 1000000 values (after expanding aliases)"]


def test_deep_nesting_is_refused() -> None:
    nested = "".join("  " * i + "a:\n" for i in range(70)) + "  " * 70 + "a: 1\n"
    assert errors_of(nested) == ["a.a.a.a.a.a.a.a...: YAML nested deeper than 64 levels"]
    assert errors_of("a: " + "[" * 50_000 + "]" * 50_000 + "\n") == [
        "YAML syntax error at line 1: nested too deeply"
    ]
    blocks = "".join(" " * i + "a:\n" for i in range(1000))
    assert errors_of(blocks) == ["YAML syntax error at line 258: nested too deeply"]


def test_custom_tags_and_huge_files_are_refused(tmp_path: Path) -> None:
    assert errors_of("log_level: !!python/object:os.system ls\n") == [
        "log_level: unsupported YAML tag tag:yaml.org,2002:python/object:os.system"
    ]
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# " + b"x" * (16 * 1024 * 1024) + b"\n")
    with pytest.raises(ConfigError) as info:
        load_config(big, environ={})
    assert info.value.errors == ["config file is larger than 16 MiB"]


# --- check-config checks what start-up checks ----------------------------------------------------

CATALOG = (
    f"catalog: {{schemes: {ROOT / 'config' / 'schemes'}, areas: {ROOT / 'config' / 'areas'}}}\n"
)


def test_check_config_checks_area_ids_and_suggests_the_closest(tmp_path: Path) -> None:
    file = tmp_path / "n.yaml"
    file.write_text(
        CATALOG + "subscribers:\n  - id: s\n    phone: '+77011112233'\n"
        "    areas: [Almaty, KZ-AKTT, kz-akt, Nowhere]\n"
    )
    result = CliRunner().invoke(main, ["check-config", "--config", str(file)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"error: invalid configuration {file}",
        "  subscribers[0].areas[0] (line 5, column 13): unknown area id 'Almaty'; 'Almaty' is "
        "a name; did you mean KZ-ALA (Almaty) or KZ-ALM (Almaty Region)?",
        "  subscribers[0].areas[1] (line 5, column 21): unknown area id 'KZ-AKTT'; did you mean "
        "KZ-AKT (Aktobe Region), KZ-ATY (Atyrau Region) or KZ-AST (Astana)?",
        "  subscribers[0].areas[2] (line 5, column 30): unknown area id 'kz-akt'; ids are "
        "written exactly; did you mean KZ-AKT (Aktobe Region)?",
        "  subscribers[0].areas[3] (line 5, column 38): unknown area id 'Nowhere' "
        "(`notifier areas QUERY` lists the ids)",
    ]


def test_check_config_compiles_the_templates_like_start_up(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "sms.en.j2").write_text("{{ level }} {{ colour }}")
    file = tmp_path / "n.yaml"
    file.write_text(CATALOG + "templates: {dir: t}\n")
    result = CliRunner().invoke(main, ["check-config", "--config", str(file)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"error: invalid configuration {file}",
        f"  templates: {tmp_path / 't' / 'sms.en.j2'}: UndefinedError: 'colour' is undefined "
        "(rendering a 'issued' transition)",
    ]


def test_check_config_names_a_missing_catalog_folder_with_its_line(tmp_path: Path) -> None:
    file = tmp_path / "n.yaml"
    file.write_text("log_level: INFO\ncatalog:\n  schemes: nope\n")
    result = CliRunner().invoke(main, ["check-config", "--config", str(file)])
    assert result.exit_code == 2
    assert result.output.splitlines() == [
        f"error: invalid configuration {file}",
        f"  catalog.schemes (line 3, column 3): not a folder: {tmp_path / 'nope'}",
        f"  catalog.areas (line 2, column 1): not a folder: {tmp_path / 'areas'}",
    ]


def test_areas_lists_ids_and_names_in_every_language() -> None:
    config = str(ROOT / "config" / "notifier.yaml")
    result = CliRunner().invoke(main, ["areas", "--config", config, "алматы"])
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "KZ-ALA  city      Almaty · Алматы  (in KZ)",
        "KZ-ALM  region    Almaty Region · Алматинская область · Алматы облысы  (in KZ)",
    ]
    result = CliRunner().invoke(main, ["areas", "--config", config, "Aktobe", "--json"])
    assert result.exit_code == 0
    assert [a["id"] for a in json.loads(result.output)] == ["KZ-AKT", "KZ-AKT-AKTOBE"]
    result = CliRunner().invoke(main, ["areas", "--config", config])
    assert result.exit_code == 0
    assert len(result.output.splitlines()) > 100


def test_areas_exits_1_when_nothing_matches() -> None:
    config = str(ROOT / "config" / "notifier.yaml")
    result = CliRunner().invoke(main, ["areas", "--config", config, "Atlantis"])
    assert result.exit_code == 1
    assert result.output == "no area matches 'Atlantis'\n"


def test_a_data_dir_that_cannot_be_made_is_reported_as_such(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    file = tmp_path / "n.yaml"
    file.write_text(CATALOG + f"data_dir: {blocker / 'var'}\n")
    result = CliRunner().invoke(main, ["run", "--config", str(file), "--port", "0"])
    assert result.exit_code == 1
    assert (
        result.output.splitlines()[-1] == f"error: cannot start: Not a directory: {blocker / 'var'}"
    )
