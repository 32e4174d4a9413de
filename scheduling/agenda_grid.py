"""The owner's calendar laid out as a time grid, from data loaded once (`selectors.calendar_data`).

Pure code: rows of a few minutes, one column per professional (a day) or per date (a week),
each row open (working hours), closed (outside them) or off (time off); appointments and time
off as blocks placed by their minute of the day. Positions are wall-clock minutes in the
business's zone, so a template can place a block with `top: minutes × pixels per minute`.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduling.models import Appointment, Professional, TimeOff

# Row lengths the grid draws; another slot interval (or none: each service's duration) draws 15.
ROW_MINUTES = (10, 15, 20, 30, 60)
DEFAULT_ROW_MINUTES = 15
# Hours shown when nobody works in the range and nothing is booked.
DEFAULT_FIRST_HOUR, DEFAULT_LAST_HOUR = 8, 20
DAY_MINUTES = 24 * 60


def row_minutes_for(slot_interval_minutes: int | None) -> int:
    return slot_interval_minutes if slot_interval_minutes in ROW_MINUTES else DEFAULT_ROW_MINUTES


@dataclass(frozen=True)
class Cell:
    """One row of a column: a link to book or block from `start` (local, naive: the form's value)."""

    start: datetime
    state: str  # "open", "closed" (outside working hours) or "off" (time off)
    hour_start: bool

    @property
    def value(self) -> str:
        return self.start.strftime("%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class OffBlock:
    at: int  # minutes from the top of the grid
    length: int
    reason: str
    professional: Professional | None  # None: the whole business is closed


@dataclass(frozen=True)
class AppointmentBlock:
    appointment: Appointment
    at: int
    length: int
    lane: int = 0
    lanes: int = 1


@dataclass
class Column:
    day: date
    professional: Professional | None  # None: every professional (a week of everyone)
    is_today: bool
    cells: list[Cell] = field(default_factory=list)
    off: list[OffBlock] = field(default_factory=list)
    appointments: list[AppointmentBlock] = field(default_factory=list)
    now_at: int | None = None


@dataclass(frozen=True)
class HourLabel:
    label: str
    at: int


@dataclass
class Grid:
    row_minutes: int
    first_minute: int  # minute of the day at the top of the grid
    last_minute: int
    columns: list[Column]
    hours: list[HourLabel]

    @property
    def height_minutes(self) -> int:
        return self.last_minute - self.first_minute


def _minute_of(instant: datetime, day: date, tz: ZoneInfo) -> int:
    """Wall-clock minutes since `day`'s midnight, clipped to the day (0 to 1440)."""
    local = instant.astimezone(tz)
    minutes = (local.date() - day).days * DAY_MINUTES + local.hour * 60 + local.minute
    return max(0, min(DAY_MINUTES, minutes))


def _spans(intervals, day: date, tz: ZoneInfo) -> list[tuple[int, int]]:
    spans = [(_minute_of(start, day, tz), _minute_of(end, day, tz)) for start, end in intervals]
    return [(start, end) for start, end in spans if start < end]


def _with_lanes(blocks: list[AppointmentBlock]) -> list[AppointmentBlock]:
    """Side by side where blocks overlap (a week of everyone): each takes the first free lane of
    its cluster of overlapping blocks, and the cluster's lane count sets every width."""
    placed: list[AppointmentBlock] = []
    cluster: list[tuple[AppointmentBlock, int]] = []
    cluster_end = -1

    def close_cluster():
        lanes = max((lane for _block, lane in cluster), default=-1) + 1
        placed.extend(
            AppointmentBlock(block.appointment, block.at, block.length, lane, lanes) for block, lane in cluster
        )

    lane_ends: list[int] = []
    for block in sorted(blocks, key=lambda b: (b.at, -b.length)):
        if block.at >= cluster_end and cluster:
            close_cluster()
            cluster, lane_ends = [], []
        lane = next((n for n, end in enumerate(lane_ends) if end <= block.at), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(block.at + block.length)
        else:
            lane_ends[lane] = block.at + block.length
        cluster.append((block, lane))
        cluster_end = max(cluster_end, block.at + block.length)
    if cluster:
        close_cluster()
    return placed


def build_grid(
    *,
    days: list[date],
    professionals: list[Professional],
    by_professional: bool,
    work: dict[tuple[date, object], list[tuple[datetime, datetime]]],
    time_off: list[TimeOff],
    appointments: list[Appointment],
    tz: ZoneInfo,
    row_minutes: int,
    now: datetime,
) -> Grid:
    """Lay the range out: `by_professional` gives one column per professional of each day
    (the day view), otherwise one column per day with everyone's appointments in it."""
    today, now_minute = now.astimezone(tz).date(), _minute_of(now, now.astimezone(tz).date(), tz)
    ids = [professional.pk for professional in professionals]
    keys = [(day, pro) for day in days for pro in professionals] if by_professional else [(d, None) for d in days]

    spans_of = {}
    for day, professional in keys:
        pks = [professional.pk] if professional else ids
        working = _spans([i for pk in pks for i in work.get((day, pk), [])], day, tz)
        closed = [
            row
            for row in time_off
            if (row.professional_id is None or row.professional_id in pks)
            and _spans([(row.start_time, row.end_time)], day, tz)
        ]
        booked = [a for a in appointments if a.professional_id in pks and _spans([(a.start_time, a.end_time)], day, tz)]
        spans_of[(day, professional)] = (working, closed, booked)

    # The visible hours: the earliest opening to the latest closing, and any appointment beyond.
    edges = [
        minute
        for (day, _pro), (working, _closed, booked) in spans_of.items()
        for start, end in working + _spans([(a.start_time, a.end_time) for a in booked], day, tz)
        for minute in (start, end)
    ]
    first = (min(edges) // 60) * 60 if edges else DEFAULT_FIRST_HOUR * 60
    last = -(-max(edges) // 60) * 60 if edges else DEFAULT_LAST_HOUR * 60
    if last <= first:
        first, last = DEFAULT_FIRST_HOUR * 60, DEFAULT_LAST_HOUR * 60

    columns = []
    for (day, professional), (working, closed, booked) in spans_of.items():
        column = Column(day=day, professional=professional, is_today=day == today)
        closed_spans = [(span, row) for row in closed for span in _spans([(row.start_time, row.end_time)], day, tz)]
        # In a column of everyone, one professional's time off leaves the others open: only the
        # business's own closing shades it (the time off still shows, named).
        shading = [
            span for span, row in closed_spans if professional is not None or len(ids) == 1 or not row.professional_id
        ]
        for minute in range(first, last, row_minutes):
            end = minute + row_minutes
            if any(start < end and minute < stop for start, stop in shading):
                state = "off"
            elif any(start <= minute and end <= stop for start, stop in working):
                state = "open"
            else:
                state = "closed"
            start = datetime.combine(day, time.min) + timedelta(minutes=minute)
            column.cells.append(Cell(start=start, state=state, hour_start=minute % 60 == 0))
        for (start, stop), row in closed_spans:
            start, stop = max(start, first), min(stop, last)
            if start < stop:
                column.off.append(OffBlock(start - first, stop - start, row.reason, row.professional))
        blocks = []
        for appointment in booked:
            for start, stop in _spans([(appointment.start_time, appointment.end_time)], day, tz):
                blocks.append(AppointmentBlock(appointment, start - first, stop - start))
        column.appointments = _with_lanes(blocks)
        if column.is_today and first <= now_minute < last:
            column.now_at = now_minute - first
        columns.append(column)

    hours = [HourLabel(f"{minute // 60:02d}:00", minute - first) for minute in range(first, last, 60)]
    return Grid(row_minutes=row_minutes, first_minute=first, last_minute=last, columns=columns, hours=hours)
