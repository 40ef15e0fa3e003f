"""Reporting periods: weekly periods start on Monday, monthly ones on the 1st."""

import datetime as dt
from collections.abc import Iterator

WEEKLY = "weekly"
MONTHLY = "monthly"
EVENT = "event"


def period_start_for(day: dt.date, frequency: str) -> dt.date:
    """The start of the period that contains `day`."""
    if frequency == WEEKLY:
        return day - dt.timedelta(days=day.weekday())
    if frequency == MONTHLY:
        return day.replace(day=1)
    if frequency == EVENT:
        return day
    raise ValueError(f"Unknown frequency {frequency!r}")


def is_period_start(day: dt.date, frequency: str) -> bool:
    return period_start_for(day, frequency) == day


def next_period_start(start: dt.date, frequency: str) -> dt.date:
    if frequency == WEEKLY:
        return start + dt.timedelta(days=7)
    if frequency == MONTHLY:
        return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    raise ValueError(f"Periods of {frequency!r} series have no next period")


def period_starts(frequency: str, first: dt.date, last: dt.date) -> Iterator[dt.date]:
    """Every period start from the period containing `first` to the one containing `last`."""
    current = period_start_for(first, frequency)
    while current <= last:
        yield current
        current = next_period_start(current, frequency)


def last_periods(frequency: str, today: dt.date, count: int = 12) -> list[dt.date]:
    """The `count` periods up to and including the one containing `today`, oldest first."""
    current = period_start_for(today, frequency)
    periods = [current]
    while len(periods) < count:
        previous = period_start_for(periods[0] - dt.timedelta(days=1), frequency)
        periods.insert(0, previous)
    assert next_period_start(periods[-1], frequency) > today
    return periods
