"""Schedule expressions: when a monitor's executions are due.

Three spellings, parsed once into a :class:`Schedule`:

- ``rate(30 minutes)``, ``rate(1 hour)``, ``rate(2 days)`` (SageMaker's and
  EventBridge's): fire times are the multiples of the interval since the Unix epoch, so
  every scheduler agrees on them;
- ``cron(0 * * * ? *)``: SageMaker's six fields (minute hour day-of-month month
  day-of-week year, ``?`` for "any", days of the week 1-7 from Sunday);
- ``0 * * * *``: a plain five-field cron.

Cron arithmetic is croniter's; nothing here parses cron fields itself beyond mapping
SageMaker's spelling onto croniter's. Times are UTC.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from croniter import croniter

from ..errors import InvalidArgumentError

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$", re.I)
_AWS_CRON = re.compile(r"^cron\((.*)\)$", re.I)
_UNITS = {"minute": 60, "hour": 3600, "day": 86400}
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def _aws_day_of_week(field: str) -> str:
    """SageMaker counts days of the week 1-7 from Sunday, croniter 0-6: shift each day
    number (not a step after '/', nor the n of 'd#n')."""
    return re.sub(r"(?<![/#\d])(\d+)", lambda m: str(int(m.group(1)) - 1), field)


@dataclass(frozen=True)
class Schedule:
    expression: str  # as the user wrote it
    interval: timedelta | None = None  # a rate
    cron: str | None = None  # croniter's spelling

    def previous(self, moment: datetime) -> datetime:
        """The latest fire time at or before ``moment``."""
        moment = _utc(moment)
        if self.interval is not None:
            step = int(self.interval.total_seconds())
            seconds = int((moment - _EPOCH).total_seconds())
            return _EPOCH + timedelta(seconds=seconds - seconds % step)
        assert self.cron is not None
        if croniter.match(self.cron, moment.replace(microsecond=0)) and moment.second == 0:
            return moment.replace(microsecond=0)
        value: datetime = croniter(self.cron, moment).get_prev(datetime)
        return _utc(value)

    def before(self, fire_time: datetime) -> datetime:
        """The fire time before ``fire_time`` (the start of its window)."""
        fire_time = _utc(fire_time)
        if self.interval is not None:
            return fire_time - self.interval
        assert self.cron is not None
        value: datetime = croniter(self.cron, fire_time).get_prev(datetime)
        return _utc(value)

    def next(self, moment: datetime) -> datetime:
        """The first fire time strictly after ``moment``."""
        moment = _utc(moment)
        if self.interval is not None:
            return self.previous(moment) + self.interval
        assert self.cron is not None
        value: datetime = croniter(self.cron, moment).get_next(datetime)
        return _utc(value)


def parse_schedule(expression: str) -> Schedule:
    """A schedule from its expression; ``InvalidArgumentError`` says what is wrong."""
    text = expression.strip()
    rate = _RATE.match(text)
    if rate:
        count = int(rate.group(1))
        if count < 1:
            raise InvalidArgumentError(f"A rate is at least 1, not {expression!r}.")
        unit = rate.group(2).lower().rstrip("s")
        return Schedule(expression, interval=timedelta(seconds=count * _UNITS[unit]))
    if text.lower().startswith("rate"):
        raise InvalidArgumentError(
            f"Invalid rate expression {expression!r}: write e.g. 'rate(1 hour)', "
            "'rate(30 minutes)' or 'rate(1 day)'."
        )
    aws = _AWS_CRON.match(text)
    if aws:
        fields = aws.group(1).split()
        if len(fields) != 6:
            raise InvalidArgumentError(
                f"Invalid cron expression {expression!r}: SageMaker's cron() has six fields "
                "(minute hour day-of-month month day-of-week year), e.g. 'cron(0 * * * ? *)'."
            )
        minute, hour, dom, month, dow, year = (f.replace("?", "*") for f in fields)
        if dow != "*":
            dow = _aws_day_of_week(dow)
        cron = " ".join((minute, hour, dom, month, dow))
        if year != "*":
            cron += f" 0 {year}"  # croniter's seven fields: ... seconds year
    else:
        cron = text
        if len(cron.split()) != 5:
            raise InvalidArgumentError(
                f"Invalid schedule {expression!r}: give 'rate(1 hour)', SageMaker's "
                "'cron(0 * * * ? *)' or a five-field cron such as '0 * * * *'."
            )
    if not croniter.is_valid(cron):
        raise InvalidArgumentError(f"Invalid cron expression {expression!r}.")
    try:
        croniter(cron, _EPOCH).get_next(datetime)
    except Exception as exc:  # croniter raises its own errors for impossible dates
        raise InvalidArgumentError(f"Invalid cron expression {expression!r}: {exc}") from None
    return Schedule(expression, cron=cron)
