"""parse_bytes on real documents (tests/fixtures, copied from the team corpus): one test per
source kind, per CAP quirk, per decoding problem, per hostile input."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from notifier.errors import ParseError
from notifier.sources import ParseOptions, detect_format, parse, parse_bytes
from notifier.sources.jsondocs import FieldMap

FIX = Path(__file__).parent / "fixtures"


def read(rel: str) -> bytes:
    return (FIX / rel).read_bytes()


# --- CAP ---------------------------------------------------------------------------------------


def test_cap12_prefixed_keeps_every_geocode() -> None:
    [doc] = parse_bytes(
        read("cap/bom_au_cap12_prefixed_thunderstorm_severity_unknown_2019-01-16.xml"),
        source_id="bom",
    )
    assert doc.format == "cap"
    assert doc.id == "AusBoM-IDN21033-2019-01-16T03:15:58+00:00"
    assert doc.published == datetime(2019, 1, 16, 3, 15, 58, tzinfo=UTC)
    [info] = doc.cap.infos
    assert info.severity == "Unknown"
    assert info.expires == datetime(2019, 1, 16, 6, 15, 52, tzinfo=UTC)
    [area] = info.areas
    assert area.geocodes[0] == ("http://www.iso.org/iso/country_codes.html", "AU-NSW")
    assert [v for k, v in area.geocodes if k == "AMOC-AreaCode"] == [
        "NSW_PW002",
        "NSW_PW003",
        "NSW_PW004",
        "NSW_PW008",
        "NSW_PW011",
        "NSW_PW012",
    ]
    assert doc.title.startswith("Severe Thunderstorm Warning for Mid North Coast")


def test_cap_cancel_without_info_keeps_reference_identifier() -> None:
    [doc] = parse_bytes(read("cap/ipaws_athoc_cancel_no_info_2016-02-25.xml"), source_id="ipaws")
    cap = doc.cap
    assert cap.msg_type == "Cancel"
    assert cap.status == "Actual"
    assert cap.infos == ()
    assert cap.references == ("1017033100951096-517189320160225203219800",)
    assert doc.id == "1017033100951096-517189320160225203219800_Cancel"
    assert doc.published == datetime(2016, 2, 25, 12, 47, 9, tzinfo=timezone(timedelta(hours=-8)))


def test_cap_several_info_languages_all_kept() -> None:
    [doc] = parse_bytes(read("cap/ibm_cap12_amber_alert_bilingual_en_es.xml"), source_id="ibm")
    assert [i.language for i in doc.cap.infos] == ["en-US", "es-US"]
    assert doc.language == "en-US"
    assert doc.title == "Amber Alert in Los Angeles County"


def test_cap_empty_references_and_two_languages_with_parameters_and_areas() -> None:
    [doc] = parse_bytes(
        read("cap/naad_canada_cap12_special_weather_statement_en_fr_2019-07-12.xml"),
        source_id="naad",
    )
    cap = doc.cap
    assert cap.references == ()
    assert [i.language for i in cap.infos] == ["en-CA", "fr-CA"]
    assert [len(i.parameters) for i in cap.infos] == [10, 10]
    assert [i.areas[0].desc for i in cap.infos] == [
        "Channel-Port aux Basques and vicinity",
        "Channel-Port aux Basques et les environs",
    ]
    assert [len(i.areas[0].geocodes) for i in cap.infos] == [10, 10]
    assert [len(i.areas[0].polygons) for i in cap.infos] == [1, 1]


def test_cap11_namespace() -> None:
    [doc] = parse_bytes(
        read("cap/nws_cap11_special_weather_statement_ga_2012-03-15.xml"), source_id="nws"
    )
    cap = doc.cap
    assert cap.identifier.startswith("NOAA-NWS-ALERTS-GA124CA04A0C28.SpecialWeatherStatement")
    assert (cap.status, cap.msg_type, cap.scope) == ("Actual", "Alert", "Public")
    [area] = cap.infos[0].areas
    assert area.desc == "Chattooga; Walker"
    assert area.geocodes == (
        ("FIPS6", "013055"),
        ("FIPS6", "013295"),
        ("UGC", "GAZ002"),
        ("UGC", "GAZ011"),
    )
    assert area.polygons[0].startswith("34.67,-85.49 ")


def test_cap_inside_edxl_de_wrapper() -> None:
    [doc] = parse_bytes(
        read("cap/nsw_rfs_edxlde_wrapped_cap_mva_gwandalan_2014-05-08.xml"), source_id="rfs"
    )
    assert doc.id == "2014-05-08T10:31:00-00:00:160068"
    assert doc.title == "MVA Gwandalan"
    assert "LOCATION: 86 Kullaroo Rd Gwandalan" in doc.text


def test_cap_test_message_status_is_kept_for_extraction_to_judge() -> None:
    [doc] = parse_bytes(
        read("cap/ipaws_pr_required_monthly_test_status_actual_2019-05-30_TRIMMED.xml"),
        source_id="pr",
    )
    assert doc.id == "44232112-8DF1-402A-BB60-948B569D6C7E"
    assert doc.cap.status == "Actual"
    assert doc.title == "Required Monthly Test"


def test_truncated_cap_is_a_parse_error() -> None:
    data = read("cap/ibm_cap12_amber_alert_bilingual_en_es.xml")
    with pytest.raises(ParseError, match="malformed XML"):
        parse_bytes(data[: len(data) // 2], source_id="ibm")


# --- RSS / Atom, CAP in Atom ---------------------------------------------------------------------


def test_rss_mi5_threat_level() -> None:
    data = read("feeds/mi5_ukthreatlevel_rss_2024-03-05_uk_ni_substantial.xml")
    result = parse(data, source_id="mi5")
    assert result.format == "rss"
    assert result.warnings == []
    [doc] = result.documents
    assert doc.title == "Current threat level: SUBSTANTIAL"
    assert doc.text.startswith("The current national threat level is SUBSTANTIAL.")
    assert doc.url == "https://www.mi5.gov.uk/threats-and-advice/threat-levels"
    # "Tuesday, March 05, 2024 -  02:52": not RFC 822, read anyway
    assert doc.published == datetime(2024, 3, 5, 2, 52, tzinfo=UTC)
    assert doc.language == "en-gb"
    # no guid: the id comes from the content and is stable
    assert doc.id.startswith("sha256:")
    assert parse_bytes(data, source_id="mi5")[0].id == doc.id


def test_atom_nws_index_cap_elements_read_with_xml_parser() -> None:
    [doc] = parse_bytes(
        read("feeds/nws_atom_index_cap11_2017-09-02_vtec_from_other_office.xml"),
        source_id="nws",
    )
    assert doc.format == "atom"
    assert doc.id.startswith("https://alerts.weather.gov/cap/wwacapget.php?x=AK125867734B60")
    cap = doc.cap
    assert (cap.status, cap.msg_type) == ("Actual", "Alert")
    [info] = cap.infos
    assert (info.event, info.severity, info.urgency) == (
        "Special Weather Statement",
        "Minor",
        "Expected",
    )
    assert info.expires == datetime(2017, 9, 1, 22, 0, tzinfo=timezone(timedelta(hours=-8)))
    [area] = info.areas
    assert area.polygons == ()  # <cap:polygon></cap:polygon>
    assert area.geocodes == (
        ("FIPS6", "002090 002240 002290"),
        ("UGC", "AKZ221 AKZ222 AKZ223 AKZ224"),
    )
    assert info.parameters == (("VTEC", "/O.NEW.KMTR.FW.A.0004.181007T0600Z-181008T1600Z/"),)


def test_atom_repeated_cap_parameter_all_kept() -> None:
    # feedparser keeps only the last repeated cap:parameter (kurtmckee/feedparser#435)
    data = read("feeds/nws_atom_index_cap11_2017-09-02_vtec_from_other_office.xml").replace(
        b"\t\t<cap:parameter>",
        b"\t\t<cap:parameter><valueName>EAS-ORG</valueName><value>WXR</value></cap:parameter>\n"
        b"\t\t<cap:parameter>",
    )
    [doc] = parse_bytes(data, source_id="nws")
    assert doc.cap.infos[0].parameters == (
        ("EAS-ORG", "WXR"),
        ("VTEC", "/O.NEW.KMTR.FW.A.0004.181007T0600Z-181008T1600Z/"),
    )


def test_meteoalarm_message_type_is_msg_type() -> None:
    data = read("feeds/nws_atom_index_cap11_2017-09-02_vtec_from_other_office.xml").replace(
        b"<cap:msgType>Alert</cap:msgType>", b"<cap:message_type>Update</cap:message_type>"
    )
    [doc] = parse_bytes(data, source_id="meteoalarm")
    assert doc.cap.msg_type == "Update"


def test_pelmorex_cap_fields_from_atom_categories() -> None:
    [doc] = parse_bytes(
        read("feeds/pelmorex_naad_atom_cap11_cancelled_sent_as_update_fr_2014-05-10.atom"),
        source_id="naad",
    )
    assert doc.title == "bulletin météorologique spécial annulé"
    assert doc.language == "fr-CA"
    assert (doc.cap.status, doc.cap.msg_type) == ("Actual", "Update")
    assert doc.cap.infos[0].urgency == "Past"
    assert doc.published == datetime(2014, 5, 10, 2, 17, tzinfo=UTC)


def test_truncated_feed_yields_readable_items_and_a_warning() -> None:
    item = (
        "<item><title>Item {n}</title><guid>id-{n}</guid>"
        "<description>Threat level text {n}</description></item>"
    )
    head = read("feeds/mi5_ukthreatlevel_rss_2024-03-05_uk_ni_substantial.xml").split(b"<item>")[0]
    body = head + "".join(item.format(n=n) for n in range(3)).encode() + b"<item><title>Item 3"
    result = parse(body, source_id="mi5")
    # feedparser resolves guids against the feed's xml:base
    assert [d.id for d in result.documents][:3] == [
        "https://www.mi5.gov.uk/id-0",
        "https://www.mi5.gov.uk/id-1",
        "https://www.mi5.gov.uk/id-2",
    ]
    assert any("malformed feed" in w for w in result.warnings)


def test_invalid_date_and_missing_guid_in_feed() -> None:
    data = read("feeds/mi5_ukthreatlevel_rss_2024-03-05_uk_ni_substantial.xml").replace(
        b"Tuesday, March 05, 2024 -  02:52", b"the day after tomorrow"
    )
    result = parse(data, source_id="mi5")
    [doc] = result.documents
    assert doc.published is None
    assert result.warnings == [
        "entry 'Current threat level: SUBSTANTIAL': unreadable date 'the day after tomorrow'"
    ]


def test_html_page_where_a_feed_was_expected_is_refused() -> None:
    data = read("feeds/mi5_ukthreatlevel_url_returned_cloudflare_challenge_html_2026-03.xml")
    with pytest.raises(
        ParseError,
        match=r"expected an RSS/Atom feed, got an HTML page \(title 'Just a moment...'\)",
    ):
        parse_bytes(data, source_id="mi5", hint="rss")


# --- HTML ----------------------------------------------------------------------------------------


def test_html_maintenance_page_detected_after_leading_junk() -> None:
    data = read("feeds/mi5_ukthreatlevel_url_returned_maintenance_html.xml")
    assert detect_format(data) == "html"
    [doc] = parse_bytes(data, source_id="mi5", name="https://www.mi5.gov.uk/feed")
    assert doc.format == "html"
    assert doc.title == "Website Under Maintenance"
    assert "This website is currently under maintenance." in doc.text
    assert doc.id == "https://www.mi5.gov.uk/feed"
    assert ".banner-sec" not in doc.text


def _article_page() -> bytes:
    text = read("text/seed_aktobe_moscowtimes_en.txt").decode()
    paras = [p for p in text.split("\n\n") if len(p) > 120][:5]
    nav = "".join(f"<li><a href='/s{i}'>Section {i}</a></li>" for i in range(12))
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Red Terror Alert Declared After Attack in Kazakhstan</title></head><body>"
        f"<header><nav><ul>{nav}</ul></nav></header>"
        f"<main><div class='article body'><h1>Red Terror Alert Declared</h1>{body}</div></main>"
        "<aside class='promo'>Subscribe to our newsletter today</aside>"
        "<footer>Copyright The Moscow Times. All rights reserved.</footer></body></html>"
    ).encode()


def test_html_main_text_drops_page_chrome() -> None:
    [doc] = parse_bytes(_article_page(), source_id="mt", name="https://example.org/a")
    assert doc.title == "Red Terror Alert Declared"  # the page's h1, without the site's suffix
    assert (
        "A red terror alert has been announced in Kazakhstan's western city of Aktobe" in doc.text
    )
    assert "Section 3" not in doc.text
    assert "All rights reserved" not in doc.text
    assert "Russia’s southern border" in doc.text  # the seed's "?€™" repaired


def test_html_css_selector() -> None:
    options = ParseOptions(selector="main > div.article")
    [doc] = parse_bytes(_article_page(), source_id="mt", hint="html", options=options)
    assert doc.text.startswith("Red Terror Alert Declared\n")
    assert "Subscribe to our newsletter" not in doc.text
    assert doc.language == "en"


def test_html_unsupported_selector_is_named() -> None:
    with pytest.raises(ParseError, match="unsupported CSS selector part 'p:first-child'"):
        parse_bytes(_article_page(), source_id="mt", options=ParseOptions(selector="p:first-child"))


# --- GeoJSON and JSON ---------------------------------------------------------------------------


def test_geojson_nws_alerts_mapped_to_cap() -> None:
    docs = parse_bytes(read("geojson/nws_alerts_alaska_2025-10-14.json"), source_id="nws")
    assert [d.format for d in docs] == ["geojson", "geojson"]
    first, second = docs
    assert first.id == "urn:oid:2.49.0.1.840.0.40e43782e669d338055cc618ebdbb9a17df36b2b.001.1"
    assert first.cap.references == ()
    assert first.cap.infos[0].areas[0].geocodes == (
        ("SAME", "002122"),
        ("UGC", "AKZ724"),
        ("UGC", "AKZ726"),
    )
    assert "ends" not in first.extra
    assert second.cap.msg_type == "Update"
    assert second.cap.references == (
        "urn:oid:2.49.0.1.840.0.17caaab953c53a37de4933e81154bddb55284039.001.1",
    )
    akdt = timezone(timedelta(hours=-8))
    assert second.cap.infos[0].expires == datetime(2025, 10, 14, 21, 0, tzinfo=akdt)
    assert second.extra["ends"] == datetime(2025, 10, 14, 22, 0, tzinfo=akdt)
    assert ("ends", "2025-10-14T22:00:00-08:00") in second.cap.infos[0].parameters
    assert second.cap.infos[0].areas[0].desc == "Municipality of Skagway"
    assert second.cap.infos[0].response_types == ("Prepare",)
    assert second.url == (
        "https://api.weather.gov/alerts/urn:oid:2.49.0.1.840.0.4fd4610b47110f6e025107a84cceabc723d78825.001.1"
    )


def _news_json() -> bytes:
    items = []
    for rel in (
        "text/kz_2016-07-18_almaty_red_declared_1220_astana_time_yk-news_ru.txt",
        "text/kz_2024-07-04_yellow_lifted_four_cities_2359_turanews_en.txt",
    ):
        lines = read(rel).decode().split("\n")
        body = "\n".join(lines[3:])
        items.append(
            {
                "uid": rel.rsplit("/", 1)[1],
                "head": {"text": body.split("\n")[0]},
                "body": body,
                "region": ["Almaty", "Astana"],
                "ts": "2016-07-18T12:20:00+06:00",
            }
        )
    return json.dumps({"data": {"news": items}}, ensure_ascii=False).encode()


def test_json_with_field_mapping() -> None:
    fields = FieldMap(
        items="data.news", id="uid", title="head.text", text=("body",), time="ts", area="region"
    )
    docs = parse_bytes(_news_json(), source_id="api", options=ParseOptions(fields=fields))
    assert [d.id for d in docs] == [
        "kz_2016-07-18_almaty_red_declared_1220_astana_time_yk-news_ru.txt",
        "kz_2024-07-04_yellow_lifted_four_cities_2359_turanews_en.txt",
    ]
    assert docs[0].title == "Красный уровень террористической опасности объявлен в Алматы"
    assert docs[0].format == "json"
    assert docs[0].extra["area"] == "Almaty; Astana"
    assert docs[0].published == datetime(2016, 7, 18, 6, 20, tzinfo=UTC)


def test_json_without_mapping_guesses_common_fields() -> None:
    data = json.dumps(
        {"items": [{"title": "Yellow level lifted", "description": "<p>Lifted at 23:59</p>"}]}
    ).encode()
    [doc] = parse_bytes(data, source_id="api")
    assert (doc.title, doc.text) == ("Yellow level lifted", "Lifted at 23:59")
    assert doc.id.startswith("sha256:")


def test_truncated_json_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="malformed JSON"):
        parse_bytes(read("geojson/nws_alerts_alaska_2025-10-14.json")[:500], source_id="nws")


# --- plain text -----------------------------------------------------------------------------------


def test_text_file_headers_become_url_and_date() -> None:
    name = "kz_2016-07-18_almaty_red_declared_1220_astana_time_yk-news_ru.txt"
    [doc] = parse_bytes(read(f"text/{name}"), source_id="news", name=name)
    assert doc.format == "text"
    assert doc.id == name
    assert doc.url == "https://yk-news.kz/node/19550"
    assert doc.published == datetime(2016, 7, 18, tzinfo=UTC)
    assert doc.title == "Красный уровень террористической опасности объявлен в Алматы"
    assert doc.text.startswith(doc.title + "\n18 июля 2016 года в 12 часов 20 минут")
    assert "Source:" not in doc.text and "Date:" not in doc.text


def test_text_file_unknown_source_and_approximate_date() -> None:
    [doc] = parse_bytes(
        read("text/kz_2024-07-04_yellow_lifted_four_cities_2359_turanews_en.txt"),
        source_id="news",
        name="x.txt",
    )
    assert doc.published is None
    assert doc.extra["date_header"] == "unknown (approx. 2024-07-05; effective 2024-07-04 23:59)"
    [doc] = parse_bytes(
        read("text/kz_2022-01-13_karaganda_red_lifted_balkhash_yellow_kk.txt"),
        source_id="news",
        name="y.txt",
    )
    assert doc.url == ""
    assert doc.published == datetime(2022, 1, 13, tzinfo=UTC)


def test_text_without_name_gets_a_content_id() -> None:
    a = parse_bytes(b"Red level declared\nin Aktobe", source_id="s")[0]
    b = parse_bytes(b"Red level declared\nin Aktobe", source_id="s")[0]
    c = parse_bytes(b"Red level lifted\nin Aktobe", source_id="s")[0]
    assert a.id == b.id != c.id
    assert a.id.startswith("sha256:")


# --- decoding ----------------------------------------------------------------------------------


def test_seed_article_lost_lead_byte_mojibake_repaired() -> None:
    [doc] = parse_bytes(read("text/seed_aktobe_moscowtimes_en.txt"), source_id="seed", name="s")
    assert "close to Russia’s southern border" in doc.text
    assert "Kazakhstan’s first terror attack" in doc.text
    assert '"The terrorist attack in Aktobe on the eve of Ramadan' in doc.text
    assert "?€" not in doc.text


def test_latin1_a_circumflex_and_double_encoded_utf8_repaired() -> None:
    original = read("text/kz_2016-07-18_almaty_red_declared_1220_astana_time_yk-news_ru.txt")
    body = original.decode().split("\n", 3)[3]
    double = body.encode("utf-8").decode("latin-1").encode("utf-8")
    [doc] = parse_bytes(double, source_id="s")
    assert doc.title == "Красный уровень террористической опасности объявлен в Алматы"
    cp1252 = "Kazakhstan’s first terror attack".encode().decode("cp1252").encode("utf-8")
    assert cp1252 == "Kazakhstanâ€™s first terror attack".encode()
    [doc] = parse_bytes(cp1252, source_id="s")
    assert doc.text == "Kazakhstan’s first terror attack"
    [doc] = parse_bytes("Level\u00c2\u00a0raised in Aktobe".encode(), source_id="s")
    assert doc.text == "Level raised in Aktobe"


def test_charset_from_xml_declaration() -> None:
    rss = (
        '<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"><channel><title>t</title>'
        "<item><guid>1</guid><title>Жёлтый уровень террористической опасности</title></item>"
        "</channel></rss>"
    ).encode("cp1251")
    [doc] = parse_bytes(rss, source_id="s")
    assert doc.title == "Жёлтый уровень террористической опасности"


def test_charset_from_header_and_meta_and_detection() -> None:
    text = read("text/kz_2016-07-18_almaty_red_declared_1220_astana_time_yk-news_ru.txt").decode()
    body = text.split("\n", 3)[3]
    [doc] = parse_bytes(
        body.encode("koi8-r"), source_id="s", content_type="text/plain; charset=KOI8-R"
    )
    assert doc.title == "Красный уровень террористической опасности объявлен в Алматы"
    page = f"<html><head><meta charset='windows-1251'><title>t</title></head><body><p>{body}</p></body></html>"
    [doc] = parse_bytes(page.encode("cp1251"), source_id="s", hint="html")
    assert "террористической опасности объявлен в Алматы" in doc.text
    [doc] = parse_bytes(body.encode("cp1251"), source_id="s")  # nothing declared: detected
    assert doc.title == "Красный уровень террористической опасности объявлен в Алматы"


def test_nfkc() -> None:
    [doc] = parse_bytes("Уровень ｢красный｣ до １５ января".encode(), source_id="s")
    assert doc.text == "Уровень 「красный」 до 15 января"


# --- hostile input ------------------------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>&lol9;</title><item><title>&lol9;</title></item></channel></rss>
"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE alert [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&xxe;</identifier></alert>
"""


@pytest.mark.parametrize("hint", [None, "rss", "cap", "html"])
def test_billion_laughs_refused_quickly(hint: str | None) -> None:
    started = time.monotonic()
    with pytest.raises(
        ParseError, match=r"entity declarations are refused \(possible entity expansion attack\)"
    ):
        parse_bytes(BILLION_LAUGHS, source_id="evil", hint=hint)
    assert time.monotonic() - started < 0.5


def test_external_entity_refused() -> None:
    with pytest.raises(
        ParseError, match=r"entity declarations are refused \(possible external entity attack\)"
    ):
        parse_bytes(XXE, source_id="evil")
    utf16 = (
        XXE.decode().replace('version="1.0"', 'version="1.0" encoding="utf-16"').encode("utf-16")
    )
    with pytest.raises(ParseError, match="external entity"):
        parse_bytes(utf16, source_id="evil")


def test_oversized_document_refused_before_decoding() -> None:
    data = read("cap/naad_canada_cap12_special_weather_statement_en_fr_2019-07-12.xml")
    with pytest.raises(
        ParseError, match=f"document of {len(data)} bytes is over the limit of 4096 bytes"
    ):
        parse_bytes(data, source_id="big", options=ParseOptions(max_bytes=4096))


def test_unknown_hint_and_unknown_xml() -> None:
    with pytest.raises(ParseError, match="unknown format hint 'pdf'"):
        parse_bytes(b"x", source_id="s", hint="pdf")
    with pytest.raises(ParseError, match=r"unrecognised XML document \(root element <svg>\)"):
        parse_bytes(b"<?xml version='1.0'?><svg><g/></svg>", source_id="s")
