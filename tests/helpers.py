"""Dates, times and agenda set-up shared by the tests."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from scheduling.models import BookingRules, WorkingHours

SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def next_weekday(weekday: int, *, after: date | None = None, min_days: int = 2) -> date:
    """The first date with `weekday` (0 = Monday) at least `min_days` after `after` (today in São Paulo)."""
    start = (after or timezone.now().astimezone(SAO_PAULO).date()) + timedelta(days=min_days)
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def at(day: date, hour: int, minute: int = 0, tz: ZoneInfo = SAO_PAULO) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def local_times(slots, tz: ZoneInfo = SAO_PAULO) -> list[str]:
    return [slot.astimezone(tz).strftime("%H:%M") for slot in slots]


def set_hours(professional, weekday: int, *intervals: tuple[str, str]) -> None:
    professional.working_hours.filter(weekday=weekday).delete()
    WorkingHours.objects.bulk_create(
        WorkingHours(
            professional=professional,
            weekday=weekday,
            start_time=time.fromisoformat(start),
            end_time=time.fromisoformat(end),
        )
        for start, end in intervals
    )


def set_rules(owner, **fields) -> BookingRules:
    BookingRules.objects.filter(owner=owner).update(**fields)
    return BookingRules.objects.get(owner=owner)
