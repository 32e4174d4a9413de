"""The availability engine: which start times a professional can take on a date.

Pure functions over data loaded once per request (one query per kind of row, never per slot
or per professional). Availability and booking share `slot_refusal`, so a slot that is
offered is bookable and a slot that is left out is refused — by construction.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def local_datetime(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """Return the instant at wall-clock `clock` on `day` in `tz`, in UTC.

    UTC because Python adds timedeltas to aware datetimes in wall-clock time: 01:00 + 1 h on
    a spring-forward day would give the non-existent 02:00. All arithmetic here is on instants.
    A wall time inside the gap resolves with the earlier offset (fold=0), i.e. just after it.
    """
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the instants at which `day` starts and ends in `tz` (23 or 25 hours apart on DST days)."""
    return local_datetime(day, time.min, tz), local_datetime(day + timedelta(days=1), time.min, tz)


@dataclass(frozen=True)
class Busy:
    """A range the professional cannot take: [start, until), with the appointment's id."""

    start: datetime
    until: datetime
    appointment_id: object
    end_time: datetime


@dataclass
class ProfessionalDay:
    """What one professional's date looks like: working intervals, time off and busy ranges."""

    professional_id: object
    work: list[tuple[datetime, datetime]] = field(default_factory=list)
    closed: list[tuple[datetime, datetime]] = field(default_factory=list)
    busy: list[Busy] = field(default_factory=list)


@dataclass(frozen=True)
class Rules:
    slot_interval: timedelta
    buffer: timedelta
    min_notice: timedelta
    max_days_ahead: int


@dataclass(frozen=True)
class Refusal:
    """Why a start time cannot be booked; `conflicts` is set when other appointments are in the way."""

    reason: str
    conflicts: tuple[Busy, ...] = ()


def slot_grid(day: ProfessionalDay, duration: timedelta, rules: Rules) -> Iterator[datetime]:
    """Yield candidate starts: from the start of each working interval, every slot interval,
    while the service still ends within the interval."""
    for work_start, work_end in day.work:
        start = work_start
        while start + duration <= work_end:
            yield start
            start += rules.slot_interval


def conflicts_with(day: ProfessionalDay, start: datetime, duration: timedelta, buffer: timedelta) -> tuple[Busy, ...]:
    """Return the busy ranges that [start, start + duration + buffer) overlaps."""
    until = start + duration + buffer
    return tuple(busy for busy in day.busy if busy.start < until and start < busy.until)


def slot_refusal(
    day: ProfessionalDay,
    start: datetime,
    duration: timedelta,
    rules: Rules,
    *,
    now: datetime,
    tz: ZoneInfo,
    online: bool = True,
    outside_hours: bool = False,
    on_grid: bool | None = None,
    explain: bool = True,
) -> Refusal | None:
    """Return why `start` cannot be booked with this professional, or None when it can.

    An overlap comes first, whoever books. A client online (`online`) takes only an offered
    start: on the slot grid, with the minimum notice, within the horizon. The business takes
    any minute inside working hours, or outside them and in time off with `outside_hours`.
    `on_grid` is computed from the slot grid unless the caller already knows it. Without
    `explain` a refusal carries no reason: listing free times refuses most starts of a busy day
    and needs no words for them.
    """
    start = start.astimezone(UTC)
    conflicts = conflicts_with(day, start, duration, rules.buffer)
    if conflicts:
        return Refusal(_("This time is already taken.") if explain else "", conflicts)
    if online:
        if start < now:
            return Refusal(_("This time is in the past.") if explain else "")
        if start < now + rules.min_notice:
            if not explain:
                return Refusal("")
            minutes = int(rules.min_notice.total_seconds() // 60)
            return Refusal(
                ngettext(
                    "Bookings need at least %(minutes)d minute's notice.",
                    "Bookings need at least %(minutes)d minutes' notice.",
                    minutes,
                )
                % {"minutes": minutes}
            )
        last_day = now.astimezone(tz).date() + timedelta(days=rules.max_days_ahead)
        if start.astimezone(tz).date() > last_day:
            if not explain:
                return Refusal("")
            return Refusal(
                ngettext(
                    "Bookings open up to %(days)d day ahead.",
                    "Bookings open up to %(days)d days ahead.",
                    rules.max_days_ahead,
                )
                % {"days": rules.max_days_ahead}
            )
    if not (outside_hours and not online):
        end = start + duration
        if not any(work_start <= start and end <= work_end for work_start, work_end in day.work):
            return Refusal(_("This time is outside working hours.") if explain else "")
        if any(closed_start < end and start < closed_end for closed_start, closed_end in day.closed):
            return Refusal(_("Closed at this time (time off).") if explain else "")
    if online:
        if on_grid is None:
            on_grid = start in set(slot_grid(day, duration, rules))
        if not on_grid:
            return Refusal(_("Choose one of the available times.") if explain else "")
    return None


def free_starts(
    day: ProfessionalDay, duration: timedelta, rules: Rules, *, now: datetime, tz: ZoneInfo
) -> list[datetime]:
    """Return every start on the grid that `slot_refusal` accepts."""
    return [
        start
        for start in slot_grid(day, duration, rules)
        if slot_refusal(day, start, duration, rules, now=now, tz=tz, on_grid=True, explain=False) is None
    ]


def has_free_start(day: ProfessionalDay, duration: timedelta, rules: Rules, *, now: datetime, tz: ZoneInfo) -> bool:
    """Whether `free_starts` offers anything: stops at the first start it would offer."""
    return any(
        slot_refusal(day, start, duration, rules, now=now, tz=tz, on_grid=True, explain=False) is None
        for start in slot_grid(day, duration, rules)
    )


def merge_starts(per_professional: Iterable[list[datetime]]) -> list[datetime]:
    """Starts free for at least one professional, in order, without repeats."""
    return sorted({start for starts in per_professional for start in starts})
