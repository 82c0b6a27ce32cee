"""Configuration: exact error lines with YAML paths, env interpolation, the CLI's exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from notifier.cli import main
from notifier.config import load_config, parse_config
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
            "sources[0].intervall_s: unknown setting (check the spelling; see `notifier config-schema`)",
        ),
        (
            "sources:\n  - id: a\n    type: rss\n    url: ftp://x.example/feed\n",
            "sources[0].url: must be an http:// or https:// URL",
        ),
        (
            "sources:\n  - id: a\n    type: twitter\n",
            "sources[0]: unknown type 'twitter'; expected one of "
            "'dir', 'file', 'rss', 'atom', 'cap', 'geojson', 'json', 'html'",
        ),
        ("sources:\n  - id: a\n", "sources[0]: missing 'type'"),
        (
            "subscribers:\n  - id: s\n    phone: '12345'\n    areas: [KZ]\n",
            "subscribers[0].phone: '12345' is not in E.164 form: write + and the country code, "
            "e.g. +77012345678",
        ),
        (
            "subscribers:\n  - id: s\n    phone: '+77012345678'\n    areas: [KZ]\n"
            "    min_severity: huge\n",
            "subscribers[0].min_severity: Input should be 'minor', 'moderate', 'severe' or 'extreme'",
        ),
        (
            "sources:\n  - {id: a, type: dir, path: x}\n  - {id: a, type: dir, path: y}\n",
            "sources[1].id: duplicate id 'a' (first at sources[0])",
        ),
        (
            "webhooks:\n  - id: w\n    url: https://x.example/h\n    secret: nope!\n    areas: [KZ]\n",
            "webhooks[0].secret: must be whsec_ followed by base64 (24 to 64 random bytes)",
        ),
        (
            "twilio:\n  account_sid: AC123\n  auth_token: t\n",
            "twilio: set exactly one of from & messaging_service_sid",
        ),
        (
            "twilio:\n  account_sid: AC123\n",
            "twilio: set both account_sid and auth_token, or neither (dry-run)",
        ),
        (
            "subscribers:\n  - id: s\n    phone: '+77012345678'\n    areas: []\n",
            "subscribers[0].areas: List should have at least 1 item after validation, not 0",
        ),
        (
            "subscribers:\n  - id: s\n    phone: '+77012345678'\n    areas: [KZ]\n    language: Russian\n",
            "subscribers[0].language: must be a two-letter ISO 639-1 language code such as en, ru or kk",
        ),
        ("- a\n- b\n", "the top level must be a mapping of settings, not list"),
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
        "twilio.auth_token: environment variable NOPE_TOKEN is not set "
        "(write ${NOPE_TOKEN:-} to make it optional)"
    ]


def test_several_mistakes_are_all_reported() -> None:
    text = (
        "sources:\n  - {id: a, type: rss, url: 'ftp://x'}\n"
        "subscribers:\n  - {id: s, phone: '+77012345678', areas: [KZ], colour: red}\n"
    )
    assert errors_of(text) == [
        "sources[0].url: must be an http:// or https:// URL",
        "subscribers[0].colour: unknown setting (check the spelling; see `notifier config-schema`)",
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
        "  server.port: Input should be less than or equal to 65535",
        "  sources[0].url: must be an http:// or https:// URL",
    ]


def test_check_config_reports_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["check-config", "--config", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert f"config file not found: {tmp_path / 'nope.yaml'}" in result.output


def test_config_env_variable_chooses_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    file = tmp_path / "other.yaml"
    file.write_text("log_level: DEBUG\n")
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
        "subscribers[0].quiet_hours.timezone: unknown time zone 'Mars/Olympus' "
        "(use an IANA name such as Asia/Almaty)"
    ]
