"""Validity of an announcement: when it takes effect and when it ends.

Reads durations ("на 40 дней", "for 14 days", "сроком на 30 суток"), absolute ends
("до 15 января 2017", "until January 15", "до 16.08.2016", "expires June 16, 2016"), start
times ("с 00.00 26 января", "from 23:59 on July 4") and open ends ("until further notice",
"бессрочно") from folded text. A date without a clock time ends at the end of that day (the
issuer's last valid day, inclusive); a duration counts from the stated start, else from the
document's date. Year-less dates take the document's year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from notifier.extract.packs import UNIT_DAYS, Lexicon, bundled_lexicon
from notifier.extract.patterns import phrase_regex

_TIME = (
    r"(?:(?P<h>[0-2]?\d)\s*(?::|\.|ч\.?|h)\s*(?P<m>[0-5]\d)(?:\s*(?:час\w*|ч\.|мин\w*|hrs?))?"
    r"|(?P<h2>[0-2]?\d)\s+час\w*(?:\s+(?P<m2>[0-5]?\d)\s+минут\w*)?"
    r"|(?P<midnight>полуноч\w*|полноч\w*|midnight|minuit|middernacht))"
)
_TIME_RE = re.compile(_TIME)


class DateWords:
    """Month names, number words and units of the language packs, compiled into the date,
    range and duration patterns (one table serves levels, scales and dates)."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.months = lexicon.months()
        # "for a week": the English article counts one (a grammar word, not a pack number)
        self.numbers = {**lexicon.numbers(), "a": 1, "an": 1}
        self.units: list[tuple[re.Pattern[str], int]] = []
        unit_res: list[str] = []
        for word, unit in lexicon.units().items():
            if unit not in UNIT_DAYS:
                continue  # hours: a validity is counted in days
            rx = phrase_regex(word)
            unit_res.append(rx)
            self.units.append((re.compile(rx), UNIT_DAYS[unit]))
        # a full name may carry a case ending ("наурызда", "maaliskuussa"); an abbreviation ends
        # its word or has its point: "4 mar." or "4 mars", never "4 mardi"
        by_len = sorted((re.escape(m) for m in self.months), key=len, reverse=True)
        full = [m for m in by_len if len(m) > 4]
        short = [m for m in by_len if len(m) <= 4]
        month = (
            "(?:"
            + "|".join([*full, "(?:" + ("|".join(short) or "(?!)") + r")(?:\.|(?!\w))"])
            + r")\.?"
        )
        self.date_re = re.compile(
            r"(?:(?P<d1>[0-3]?\d)\.(?P<mo1>[01]?\d)\.(?P<y1>\d{4})"
            r"|(?P<y3>\d{4})-(?P<mo3>[01]\d)-(?P<d3>[0-3]\d)"
            # "3 марта", "3. März", "3 de marzo de 2024"
            rf"|(?P<d2>[0-3]?\d)(?:-?(?:го|е|er)|\.)?\s+(?:de\s+)?(?P<mon2>{month})"
            r"(?:\s+(?:de\s+)?(?P<y2>\d{4}))?"
            rf"|(?P<mon4>{month})\s+(?P<d4>[0-3]?\d)(?:st|nd|rd|th)?(?:,?\s+(?P<y4>\d{{4}}))?)"
        )
        num = (
            r"(?P<n>\d{1,3}|"
            + "|".join(sorted((re.escape(n) for n in self.numbers), key=len, reverse=True))
            + ")"
        )
        self.duration = re.compile(
            r"(?<!\w)(?:(?:сроком\s+)?на(?:\s+срок)?|сроком|for(?:\s+a\s+period\s+of)?(?:\s+another)?"
            r"|for\s+the\s+next|period\s+of|pour|per|durante|voor|на\s+период|еще\s+на|ещё\s+на"
            r"|another)\s+(?:еще\s+)?(?:(?:a|an)\s+)?"
            + num
            + r"(?:\s+more)?\s+(?P<unit>"
            + "|".join(sorted(unit_res, key=len, reverse=True))
            + r")(?!\w)"
        )
        # "until"/"bis"/"do" of the text's languages beside the built-in end cues (Polish "do"
        # is Portuguese "of the", so a pack's words count only in its own language)
        self._until = {
            code: sorted({phrase_regex(w) for w in ws}, key=len, reverse=True)
            for code, ws in lexicon.words("until").items()
        }
        self._end_cues: dict[tuple[str, ...] | None, re.Pattern[str]] = {}
        self.end_cue = self.end_cue_for(None)
        # "до конца мая", "do końca sierpnia", "until the end of August": the month's last day
        ends = sorted(
            {
                phrase_regex(w)
                for w in (w for ws in lexicon.words("month_end").values() for w in ws)
            },
            key=len,
        )
        self.month_end = re.compile(
            r"\W{0,3}(?:the\s+)?(?:" + ("|".join(reversed(ends)) or "(?!)") + r")\s+"
            r"(?:of\s+|de\s+|d'|av\s+|af\s+|di\s+|van\s+)?(?:the\s+)?"
            rf"(?P<mon>{month})(?:\s+(?P<y>\d{{4}}))?"
        )
        # A range of days in one month: "between January 13 and 26", "from 13 to 26 January",
        # "du 13 au 26 janvier", "van 13 tot 26 januari", "13–26 января".
        self.range = re.compile(
            rf"(?<!\w)(?:between\s+|from\s+)?(?P<mon_a>{month})\s+(?P<a1>[0-3]?\d)(?:st|nd|rd|th)?"
            r"\s*(?:and|to|through|until|till|-|–|—)\s*(?P<b1>[0-3]?\d)(?:st|nd|rd|th)?(?![\d:]|\.\d)"
            r"(?:,?\s+(?P<y_a>\d{4}))?"
            r"|(?<!\w)(?:(?:between|from|с|со|du|van|dal|del|desde\s+el|entre)\s+)?(?P<a2>[0-3]?\d)"
            r"(?:-?(?:го|er))?\s*(?:and|to|по|до|au|tot|al|a|y|-|–|—)\s*(?P<b2>[0-3]?\d)(?:-?го)?"
            rf"\s+(?:de\s+)?(?P<mon_b>{month})(?:\s+(?:de\s+)?(?P<y_b>\d{{4}}))?"
        )

    def end_cue_for(self, langs: tuple[str, ...] | None) -> re.Pattern[str]:
        """The end cues of these languages (of every pack when None)."""
        cue = self._end_cues.get(langs)
        if cue is None:
            codes = self._until if langs is None else [c for c in langs if c in self._until]
            words = sorted({w for c in codes for w in self._until[c]}, key=len, reverse=True)
            extra = r"|(?<!\w)(?:" + "|".join(words) + r")(?!\w)" if words else ""
            cue = self._end_cues[langs] = re.compile(_END_CUE.pattern + extra)
        return cue

    def month(self, name: str) -> int | None:
        return self.months.get(name.rstrip("."))

    def unit_days(self, word: str) -> int:
        return next((days for rx, days in self.units if rx.fullmatch(word)), 0)


_BUNDLED: DateWords | None = None


def bundled_words() -> DateWords:
    """Date words of the bundled packs (callers that parse dates without a catalog)."""
    global _BUNDLED
    if _BUNDLED is None:
        _BUNDLED = DateWords(bundled_lexicon())
    return _BUNDLED


_END_CUE = re.compile(
    r"(?<!\w)(?:до|по(?!\s+(?:\w+ому\s+)?времени)|until|till|through|expires?(?:\s+on)?|will\s+expire\s+on"
    r"|expiring\s+on|jusqu\W?\s*(?:au|a|à)"
    r"|tot\s+en\s+met|tot|fino\s+al|fino\s+a|hasta\s+el|hasta|dek)(?!\w)"
)
_START_CUE = re.compile(
    r"(?<!\w)(?:с|со|from|since|effective(?:\s+from)?|as\s+of|a\s+compter\s+du|à\s+compter\s+du|"
    r"a\s+partir\s+del?|dal|dalle|alle|vanaf|fran|från|fra)(?!\w)"
)
_BARE_UNIT = re.compile(
    r"(?<!\w)(?:на|for|еще на)\s+(?:один\s+|одну\s+|a\s+|one\s+)?(?P<unit>месяц|неделю|month|week)(?!\w)"
)
_INDEFINITE = re.compile(
    r"(?:до\s+особого\s+распоряжения|until\s+further\s+notice|бессрочн\w*|indefinite\w*"
    r"|jusqu\W?\s*(?:a|à)\s+nouvel\s+ordre|indefinidamente|tot\s+nader\s+order|на\s+неопределенн\w+\s+срок"
    r"|до\s+его\s+отмены|until\s+it\s+is\s+(?:lifted|cancelled))"
)
_AT_GAP = 8  # " alle ", " à ", " at ", " в "
_ZONE_GAP = 32  # "19:00 moscow standard time on ", "18.00 по времени астаны "
_INCLUSIVE = re.compile(r"^\W{0,3}(?:года|г\.)?\W{0,3}включительно")


@dataclass(frozen=True, slots=True)
class Validity:
    effective: datetime | None = None
    expires: datetime | None = None
    indefinite: bool = False
    duration_days: int | None = None
    quality: int = (
        0  # 4 end with clock time, 3 end date, 2 stated start + term, 1 term from doc date
    )


def _date_of(m: re.Match[str], ref: datetime | None, words: DateWords) -> date | None:
    g = m.groupdict()
    try:
        if g.get("d1"):
            return date(int(g["y1"]), int(g["mo1"]), int(g["d1"]))
        if g.get("y3"):
            return date(int(g["y3"]), int(g["mo3"]), int(g["d3"]))
        if g.get("d2"):
            month, day, year = words.month(g["mon2"]), int(g["d2"]), g.get("y2")
        else:
            month, day, year = words.month(g["mon4"]), int(g["d4"]), g.get("y4")
        if month is None:
            return None
        if year is None:
            if ref is None:
                return None
            return date(ref.year, month, day)
        return date(int(year), month, day)
    except (ValueError, TypeError):
        return None


def _time_of(m: re.Match[str]) -> time | None:
    g = m.groupdict()
    try:
        if g.get("midnight"):
            return time(0, 0)
        if g.get("h") is not None:
            return time(int(g["h"]) % 24, int(g["m"]))
        if g.get("h2") is not None:
            return time(int(g["h2"]) % 24, int(g["m2"] or 0))
    except ValueError:
        return None
    return None


def _when(
    window: str, ref: datetime | None, words: DateWords
) -> tuple[date | None, time | None, int]:
    """First date and clock time in a short window after a cue, and where they end."""
    dm = words.date_re.search(window)
    tm = _TIME_RE.search(window)
    if tm and tm.start() > 20 and not (dm and dm.end() <= tm.start() <= dm.end() + _AT_GAP):
        tm = None  # "25 aprile alle 20:00", "12 mars à 18h00": a time right after its date counts
    # "until 19:00 Moscow Standard Time on January 21": a zone label may part a time from its date
    if dm and dm.start() > 30 and not (tm and tm.end() <= dm.start() <= tm.end() + _ZONE_GAP):
        dm = None
    if tm and dm and (dm.start() <= tm.start() < dm.end()):
        tm = None  # "16.08.2016" is a date, not 16:08
    d = _date_of(dm, ref, words) if dm else None
    t = _time_of(tm) if tm else None
    end = max(dm.end() if dm else 0, tm.end() if tm else 0)
    return d, t, end


def _month_end(window: str, ref: datetime | None, words: DateWords) -> tuple[date | None, int]:
    """The last day of the month named right after an end cue: "(until) the end of August",
    "(do) końca sierpnia" -- of the reference year, or the next when that month has passed."""
    m = words.month_end.match(window)
    if m is None:
        return None, 0
    month = words.month(m.group("mon"))
    year = int(m.group("y")) if m.group("y") else ref.year if ref else None
    if month is None or year is None:
        return None, 0
    if not m.group("y") and ref is not None and month < ref.month:
        year += 1
    try:
        return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1), m.end()
    except ValueError:  # a year out of range ("końca sierpnia 99999")
        return None, 0


def _range(
    text: str, ref: datetime | None, words: DateWords
) -> tuple[date, date, tuple[int, int]] | None:
    """First day, last day and span of the first range of days stated in one month."""
    for m in words.range.finditer(text):
        g = m.groupdict()
        month = words.month(g["mon_a"] or g["mon_b"])
        first, last = int(g["a1"] or g["a2"]), int(g["b1"] or g["b2"])
        year_text = g["y_a"] or g["y_b"]
        year = int(year_text) if year_text else ref.year if ref else None
        if month is None or year is None or not first < last:
            continue
        try:
            return date(year, month, first), date(year, month, last), m.span()
        except ValueError:
            continue
    return None


def _year_ref(text: str, words: DateWords) -> datetime | None:
    """Without a document date, year-less dates take the year of the first full date stated
    ("с 13 января 2022 года ... и с 14 января"); midday UTC keeps that date in any zone."""
    for m in words.date_re.finditer(text):
        d = _date_of(m, None, words)
        if d is not None:
            return datetime.combine(d, time(12, 0), UTC)
    return None


def parse_validity(
    text: str,
    ref: datetime | None,
    zone: ZoneInfo,
    anchor: int | None = None,
    words: DateWords | None = None,
    langs: tuple[str, ...] | None = None,
) -> Validity:
    """Validity stated in `text` (folded), dates relative to `ref` (the document's date).

    With `anchor` (where an area is named in `text`), of several stated starts the last one
    before the anchor counts: "с 13 января в Нур-Султане и с 14 января в Шымкенте"."""
    words = words or bundled_words()
    if ref is None:
        ref = _year_ref(text, words)
    indefinite = bool(_INDEFINITE.search(text))
    end: datetime | None = None
    end_has_time = False
    end_span = (-1, -1)
    range_start: date | None = None
    span = _range(text, ref, words)
    if span is not None:
        range_start, last, end_span = span
        end = datetime.combine(last, time(23, 59, 59), zone)
    for m in words.end_cue_for(langs).finditer(text):
        if end is not None:
            break
        if _INDEFINITE.match(text, m.start()):
            continue
        window = text[m.end() : m.end() + 70]
        d, t, used = _when(window, ref, words)
        if d is None:
            d, used = _month_end(window, ref, words)
            t = None
        if d is None:
            continue
        end_has_time = t is not None
        end = datetime.combine(d, time(23, 59, 59) if t is None else t, zone)
        _ = _INCLUSIVE.match(window[used:])  # inclusive is the default reading of a bare date
        end_span = (m.start(), m.end() + used)
        break
    effective: datetime | None = None
    start_has_time = False
    for m in _START_CUE.finditer(text):
        if end_span[0] <= m.start() < end_span[1]:
            continue  # "fino al 25 aprile alle 20:00": the end's own clock time
        if effective is not None and (anchor is None or m.start() > anchor):
            break
        d, t, _ = _when(text[m.end() : m.end() + 70], ref, words)
        if d is None and t is None:
            continue
        if d is None:
            if ref is None:
                continue
            d = ref.astimezone(zone).date()
        effective = datetime.combine(d, t or time(0, 0), zone)
        start_has_time = t is not None
    if effective is None and range_start is not None:
        effective = datetime.combine(range_start, time(0, 0), zone)
    days: int | None = None
    dm = words.duration.search(text)
    if dm:
        n = dm.group("n")
        count = int(n) if n.isdigit() else words.numbers.get(n, 0)
        days = count * words.unit_days(dm.group("unit")) if count else None
        days = days or None
    else:
        bm = _BARE_UNIT.search(text)
        if bm:
            days = words.unit_days(bm.group("unit")) or None
    if indefinite:
        return Validity(effective=effective, indefinite=True, duration_days=days)
    if end is not None:
        return Validity(effective, end, False, days, 4 if end_has_time else 3)
    if days is not None:
        if effective is not None:
            if start_has_time:
                return Validity(effective, effective + timedelta(days=days), False, days, 2)
            last = effective.date() + timedelta(days=days - 1)
            return Validity(
                effective, datetime.combine(last, time(23, 59, 59), zone), False, days, 2
            )
        if ref is not None:
            last = ref.astimezone(zone).date() + timedelta(days=days - 1)
            expires = datetime.combine(last, time(23, 59, 59), zone)
            return Validity(None, expires, False, days, 1)
        return Validity(None, None, False, days, 0)
    return Validity(effective=effective)


def event_dates(text: str, ref: datetime, words: DateWords | None = None) -> list[date]:
    """Dates in `text` (folded) that say when something happened or starts, not when it ends
    ("до 25 мая" is left out); year-less dates take `ref`'s year."""
    words = words or bundled_words()
    out: list[date] = []
    for m in words.date_re.finditer(text):
        before = text[max(0, m.start() - 12) : m.start()]
        if any(c.end() >= len(before) - 1 for c in words.end_cue.finditer(before)):
            continue
        d = _date_of(m, ref, words)
        if d is not None:
            out.append(d)
    return out


def has_date(text: str, words: DateWords | None = None) -> bool:
    """Whether folded `text` names a calendar day ("26 января", "2022-01-26", "July 4")."""
    return (words or bundled_words()).date_re.search(text) is not None
