"""Dates, times and agenda set-up shared by the tests."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from agendazap.business_cache import business_changed
from agendazap.events import Actor, Via
from scheduling.models import BookingRules, WorkingHours

SAO_PAULO = ZoneInfo("America/Sao_Paulo")


def as_owner(business, via: Via = Via.API) -> Actor:
    """The business's owner acting through the API (or `via`): who most tests act as."""
    return Actor.business(business.owner_login, via=via)


def as_client(via: Via = Via.PUBLIC_PAGE, name: str = "") -> Actor:
    return Actor.client(via=via, name=name)


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
    business_changed(professional.business_id)  # bulk_create sends no signal
    WorkingHours.objects.bulk_create(
        WorkingHours(
            professional=professional,
            weekday=weekday,
            start_time=time.fromisoformat(start),
            end_time=time.fromisoformat(end),
        )
        for start, end in intervals
    )


def set_rules(business, **fields) -> BookingRules:
    BookingRules.objects.filter(business=business).update(**fields)
    business_changed(business.pk)  # QuerySet.update sends no signal
    return BookingRules.objects.get(business=business)


def time_passes(appointment, *, started_minutes_ago: int = 5):
    """Move a booked appointment into the past, as if its start time had come (keeps its length)."""
    from scheduling.models import Appointment

    length = appointment.blocks_until - appointment.start_time
    duration = appointment.end_time - appointment.start_time
    start = timezone.now() - timedelta(minutes=started_minutes_ago)
    Appointment.objects.filter(pk=appointment.pk).update(
        start_time=start, end_time=start + duration, blocks_until=start + length
    )
    appointment.refresh_from_db()
    return appointment
