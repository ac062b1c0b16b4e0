"""Date ranges of exports: presets in the organization's time zone, and the bad ranges."""

from datetime import UTC, date, datetime

import pytest
from django.core.exceptions import ValidationError

from reports.exports.ranges import MAX_RANGE_DAYS, RangePreset, resolve_range

# 23:30 UTC on 31 March is already 1 April in Tokyo, still 31 March in New York.
NOW = datetime(2026, 3, 31, 23, 30, tzinfo=UTC)


def test_today_is_the_organizations_today_not_the_servers():
    tokyo = resolve_range(preset=RangePreset.TODAY, time_zone="Asia/Tokyo", now=NOW)
    new_york = resolve_range(preset=RangePreset.TODAY, time_zone="America/New_York", now=NOW)
    assert (tokyo.start, tokyo.end) == (date(2026, 4, 1), date(2026, 4, 1))
    assert (new_york.start, new_york.end) == (date(2026, 3, 31), date(2026, 3, 31))
    # The day runs from local midnight to the next local midnight.
    assert tokyo.since == datetime(2026, 3, 31, 15, 0, tzinfo=UTC)
    assert tokyo.until == datetime(2026, 4, 1, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("preset", "start", "end"),
    [
        (RangePreset.LAST_7_DAYS, date(2026, 3, 25), date(2026, 3, 31)),
        (RangePreset.LAST_30_DAYS, date(2026, 3, 2), date(2026, 3, 31)),
        (RangePreset.THIS_MONTH, date(2026, 3, 1), date(2026, 3, 31)),
        (RangePreset.LAST_MONTH, date(2026, 2, 1), date(2026, 2, 28)),
    ],
)
def test_presets_cover_whole_local_days_including_today(preset, start, end):
    span = resolve_range(preset=preset, time_zone="America/New_York", now=NOW)
    assert (span.start, span.end) == (start, end)


def test_last_month_in_january_is_last_years_december():
    span = resolve_range(
        preset=RangePreset.LAST_MONTH,
        time_zone="UTC",
        now=datetime(2026, 1, 15, tzinfo=UTC),
    )
    assert (span.start, span.end) == (date(2025, 12, 1), date(2025, 12, 31))


def test_a_custom_range_includes_both_days():
    span = resolve_range(
        preset=RangePreset.CUSTOM,
        time_zone="UTC",
        date_from=date(2026, 1, 1),
        date_to=date(2026, 1, 31),
    )
    assert span.days == 31
    assert span.describe() == "1 Jan 2026 to 31 Jan 2026"


def _error(**kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        resolve_range(preset=RangePreset.CUSTOM, time_zone="UTC", **kwargs)
    return raised.value.message_dict


def test_an_empty_custom_range_asks_for_its_days():
    assert "The range is empty" in _error()["date_from"][0]
    assert _error(date_from=date(2026, 1, 1)) == {"date_to": ["Choose the last day of the range."]}


def test_an_end_before_the_start_says_to_swap_them():
    message = _error(date_from=date(2026, 3, 9), date_to=date(2026, 3, 5))["date_to"][0]
    assert "ends (5 Mar 2026) before it starts (9 Mar 2026)" in message


def test_a_ten_year_range_is_refused_with_the_limit():
    message = _error(date_from=date(2016, 1, 1), date_to=date(2025, 12, 31))["date_to"][0]
    assert "spans 3,653 days" in message
    assert f"at most {MAX_RANGE_DAYS} days" in message
    # The longest allowed range passes.
    resolve_range(
        preset=RangePreset.CUSTOM,
        time_zone="UTC",
        date_from=date(2024, 1, 1),
        date_to=date.fromordinal(date(2024, 1, 1).toordinal() + MAX_RANGE_DAYS - 1),
    )
