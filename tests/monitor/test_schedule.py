"""Schedule expressions: rate, SageMaker's cron() and plain cron, through croniter."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from jupyter_mlstudio.errors import InvalidArgumentError
from jupyter_mlstudio.monitor.schedule import parse_schedule

T = datetime(2026, 12, 4, 10, 30, 15, tzinfo=timezone.utc)  # a Friday


def at(hour: int, minute: int = 0, day: int = 4) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=timezone.utc)


@pytest.mark.parametrize("expression", ["rate(1 hour)", "cron(0 * * * ? *)", "0 * * * *"])
def test_hourly_in_each_spelling(expression: str) -> None:
    schedule = parse_schedule(expression)
    assert schedule.previous(T) == at(10)
    assert schedule.before(at(10)) == at(9)
    assert schedule.next(T) == at(11)
    assert schedule.previous(at(10)) == at(10)  # a fire time is its own latest


def test_rates_are_anchored_at_the_epoch_so_every_scheduler_agrees() -> None:
    schedule = parse_schedule("rate(15 minutes)")
    assert schedule.previous(T) == at(10, 30)
    assert schedule.previous(T + timedelta(minutes=14)) == at(10, 30)
    assert parse_schedule("rate(1 day)").previous(T) == at(0)
    assert parse_schedule("RATE( 2 Hours )").interval == timedelta(hours=2)


def test_sagemaker_days_of_week_count_from_sunday_as_one() -> None:
    # cron(0 12 ? * 2-6 *) is weekdays at noon: Monday (2) to Friday (6)
    weekdays = parse_schedule("cron(0 12 ? * 2-6 *)")
    assert weekdays.previous(T) == at(12, day=3)  # Thursday; Friday's noon is later
    assert weekdays.next(T) == at(12, day=4)
    assert weekdays.next(at(12, day=4)) == at(12, day=7)  # skips the weekend
    sunday = parse_schedule("cron(0 0 ? * 1 *)")
    assert sunday.next(T) == at(0, day=6)


def test_naive_times_are_utc() -> None:
    assert parse_schedule("0 * * * *").previous(T.replace(tzinfo=None)) == at(10)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("rate(0 hours)", "at least 1"),
        ("rate(1 week)", "Invalid rate expression"),
        ("cron(0 * * *)", "six fields"),
        ("61 * * * *", "Invalid cron expression"),
        ("0 25 * * *", "Invalid cron expression"),
        ("every hour", "Invalid schedule"),
        ("", "Invalid schedule"),
    ],
)
def test_invalid_expressions_say_what_to_write(expression: str, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        parse_schedule(expression)
