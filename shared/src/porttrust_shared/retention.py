"""How long logs are kept (R6: at least six months), on the calendar, not in days.

Six months is six calendar months: a row written on 31 August is six months old on 28 (or 29)
February. Every log (send log, MO messages; the audit chain is never purged) keeps everything
younger than its retention plus one day, so a month-end or a leap day never cuts a row early.
"""

import calendar
import datetime as dt

MIN_RETENTION_MONTHS = 6
GRACE = dt.timedelta(days=1)


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """`moment` moved back `months` calendar months, the day clamped to the target month's
    last day (31 August minus six months is 28 or 29 February)."""
    total = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def retention_cutoff(now: dt.datetime, months: int = MIN_RETENTION_MONTHS) -> dt.datetime:
    """Rows written before this may go: each of them had turned `months` calendar months old
    (31 August -> 28/29 February) at least one day before `now`. Counting back from
    `now - 1 day` keeps a row a little longer at a month's end, never shorter. A value
    below six months counts as six: no caller can shorten what the notice asks to keep."""
    return months_before(now - GRACE, max(months, MIN_RETENTION_MONTHS))


def check_retention_months(months: int) -> int:
    if months < MIN_RETENTION_MONTHS:
        raise ValueError("retention_months below 6 is refused: logs are kept >= 6 calendar "
                         "months (plus one day)")
    return months
