"""The one ISO 8601 parser of stored times (storage.formats.parse_iso), its writer
(to_utc_iso), and the digest's day and time helpers built on it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from storage.formats import parse_iso, to_utc_iso
from storage.outputs.text import local_time, utc_iso
from storage.selection import day_start_utc, published_day

SHANGHAI = ZoneInfo("Asia/Shanghai")
NINE_UTC = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "text",
    [
        "2026-03-04T09:00:00+00:00",
        "2026-03-04T09:00:00Z",  # Z is UTC
        "2026-03-04T17:00:00+08:00",  # another offset: the same instant
        "2026-03-04T09:00:00",  # naive: taken as UTC
        "2026-03-04 09:00:00",  # a space for the T
        "  2026-03-04T09:00:00+00:00\n",  # surrounding whitespace ignored
    ],
)
def test_times_parse_as_aware_instants(text: str) -> None:
    parsed = parse_iso(text)
    assert parsed == NINE_UTC
    assert parsed is not None and parsed.tzinfo is not None


def test_an_offset_is_kept_and_a_naive_time_is_utc() -> None:
    east = parse_iso("2026-03-04T17:00:00+08:00")
    assert east is not None and east.utcoffset() == timedelta(hours=8)
    naive = parse_iso("2026-03-04T09:00:00")
    assert naive is not None and naive.tzinfo is UTC


def test_fractions_of_a_second_with_z() -> None:
    assert parse_iso("2026-03-04T09:00:00.5Z") == NINE_UTC + timedelta(milliseconds=500)


def test_a_bare_date_is_its_midnight_in_utc() -> None:
    assert parse_iso("2026-03-04") == datetime(2026, 3, 4, tzinfo=UTC)
    assert parse_iso("2026-03-04Z") == datetime(2026, 3, 4, tzinfo=UTC)


@pytest.mark.parametrize(
    "value",
    [None, "", "   ", "yesterday", "2026-3-4", "2026-03-04T25:00", "04/03/2026", 1741078800],
)
def test_what_is_not_an_iso_string_is_none(value: object) -> None:
    assert parse_iso(value) is None


def test_a_datetime_is_not_parsed_again() -> None:
    assert parse_iso(NINE_UTC) is None


def test_to_utc_iso_writes_utc_with_seconds() -> None:
    assert to_utc_iso("2026-03-04T17:00:00.9+08:00") == "2026-03-04T09:00:00+00:00"
    assert to_utc_iso("2026-03-04T09:00:00Z") == "2026-03-04T09:00:00+00:00"
    assert to_utc_iso(" 2026-03-04 ") == "2026-03-04"  # a bare date stays a date
    assert to_utc_iso(datetime(2026, 3, 4, 17, tzinfo=timezone(timedelta(hours=8)))) == (
        "2026-03-04T09:00:00+00:00"
    )
    assert to_utc_iso(datetime(2026, 3, 4, 9)) == "2026-03-04T09:00:00+00:00"  # naive: UTC
    assert to_utc_iso("yesterday") is None
    assert to_utc_iso("") is None
    assert to_utc_iso(None) is None


def test_published_day_keeps_a_bare_date_and_reads_a_time_in_the_zone() -> None:
    assert published_day("2026-03-04", SHANGHAI) == date(2026, 3, 4)
    assert published_day(" 2026-03-04 ", SHANGHAI) == date(2026, 3, 4)
    assert published_day("2026-03-04T20:00:00Z", SHANGHAI) == date(2026, 3, 5)
    assert published_day("2026-03-04T20:00:00", SHANGHAI) == date(2026, 3, 5)  # naive: UTC
    assert published_day("2026/03/04", SHANGHAI) is None  # ten characters, not a date
    assert published_day("soon", SHANGHAI) is None
    assert published_day(None, SHANGHAI) is None


def test_day_start_in_the_zone_as_utc() -> None:
    assert day_start_utc(date(2026, 3, 4), SHANGHAI) == datetime(2026, 3, 3, 16, tzinfo=UTC)


def test_local_time_for_a_reader() -> None:
    assert local_time("2026-03-04T09:00:00Z", ZoneInfo("UTC"), "-") == "2026-03-04 09:00 UTC"
    assert local_time("2026-03-04T09:00:00+00:00", SHANGHAI, "-") == "2026-03-04 17:00 CST"
    assert local_time("2026-03-04", SHANGHAI, "-") == "2026-03-04"  # a bare date as written
    assert local_time("later today", SHANGHAI, "fallback") == "fallback"
    assert local_time(None, SHANGHAI, "fallback") == "fallback"
    assert utc_iso(datetime(2026, 3, 4, 17, tzinfo=SHANGHAI)) == "2026-03-04T09:00:00Z"
