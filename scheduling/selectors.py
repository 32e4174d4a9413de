"""Scheduling reads: availability, appointment lists and figures, professionals, hours and rules."""

from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import CharField, Count, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Business, Membership, Role, User
from agendazap.business_cache import AGENDA, SETUP, minute_answer, waitlist_cached
from agendazap.errors import Forbidden
from agendazap.filters import filtered
from agendazap.ids import as_uuid
from billing.selectors import plan_limits_columns
from catalog.models import Service
from scheduling.availability import (
    Busy,
    ProfessionalDay,
    Rules,
    day_bounds,
    free_starts,
    has_free_start,
    local_datetime,
    merge_starts,
    slot_refusal,
)
from scheduling.business_config import business_config
from scheduling.filters import AppointmentFilter
from scheduling.models import (
    WAITLIST_ACTIVE,
    Appointment,
    AppointmentActivity,
    AppointmentStatus,
    BookingRules,
    Professional,
    Series,
    TimeOff,
    Visit,
    WaitlistEntry,
    WaitlistStatus,
    Weekday,
    WorkingHours,
)
from scheduling.visit_availability import VisitPart, visit_free_starts, visit_has_free_start


def business_timezone(business: Business) -> ZoneInfo:
    return ZoneInfo(business.timezone)


# --- Rules, professionals, hours ---------------------------------------------------------
def booking_rules_get(*, business: Business) -> BookingRules:
    rules, _created = BookingRules.objects.get_or_create(business=business)
    return rules


def booking_rules_cached(*, business: Business) -> BookingRules:
    """The booking rules to read, not to change: from the business's cached set-up."""
    return business_config(business).rules


def rules_for(booking_rules: BookingRules, service: Service) -> Rules:
    """The rules as the engine applies them to `service`: the slot interval defaults to its duration."""
    return Rules(
        slot_interval=timedelta(minutes=booking_rules.slot_interval_minutes or service.duration),
        buffer=timedelta(minutes=booking_rules.buffer_minutes),
        min_notice=timedelta(minutes=booking_rules.min_notice_minutes),
        max_days_ahead=booking_rules.max_days_ahead,
    )


def professional_list(*, business: Business, include_inactive: bool = False) -> QuerySet[Professional]:
    professionals = Professional.objects.filter(business=business).prefetch_related("working_hours", "services")
    return professionals if include_inactive else professionals.filter(is_active=True)


def professional_active_count(business: Business, _period) -> int:
    """For the plan's limit: active professionals."""
    return Professional.objects.filter(business=business, is_active=True).count()


def appointments_created_count(business: Business, period) -> int:
    """For the plan's limit: appointments created in the period (a billing month), cancelled ones included."""
    return Appointment.objects.filter(
        business=business, created_at__gte=period.start, created_at__lt=period.end
    ).count()


def professional_get(*, business: Business, professional_id) -> Professional:
    professional = Professional.objects.filter(business=business, pk=as_uuid(professional_id)).first()
    if professional is None:
        raise Http404
    return professional


def professionals_for_service(*, business: Business, service: Service) -> list[Professional]:
    """Active professionals who perform `service`: those assigned to it, or all when nobody is.

    A service whose assigned professionals are all inactive has nobody, not everyone.
    """
    return business_config(business).professionals_for_service(service.pk)


def service_bookable_get(*, business: Business, service_id, lock: bool = False) -> Service:
    """The business's active service named in a request body or query (400 when it is not one).

    `lock` takes the row with FOR NO KEY UPDATE, inside the caller's transaction; without it the
    service comes from the business's cached set-up.
    """
    if lock:
        service = (
            Service.objects.filter(business=business, pk=as_uuid(service_id), is_active=True, archived_at__isnull=True)
            .select_for_update(no_key=True)
            .first()
        )
    else:
        service = business_config(business).services.get(as_uuid(service_id))
    if service is None:
        raise ValidationError({"service_id": [_("Service not found or not bookable.")]})
    return service


def services_lock(*, business: Business, service_ids) -> None:
    """Lock the services' rows (FOR NO KEY UPDATE, in the caller's transaction) in the order of
    their ids, so that bookings taking several never wait for each other in a circle."""
    list(
        Service.objects.filter(business=business, pk__in=service_ids)
        .order_by("pk")
        .select_for_update(no_key=True)
        .values_list("pk", flat=True)
    )


def service_for_booking(*, business: Business, service_id) -> tuple[Service, BookingRules, dict]:
    """What a booking reads first, in one query: the service (400 when it is not bookable), locked
    with the business's row (FOR NO KEY UPDATE, in the caller's transaction), the booking rules,
    and the plan's limits as `billing.selectors.plan_limits_columns` (for `plan_gate_locked`).

    The service's lock keeps a concurrent archive or delete (which locks the row too) from
    slipping between the booking's checks and its insert; the business's is the plan's lock.
    """
    columns = plan_limits_columns(plan_type=business.plan_type)
    service = (
        Service.objects.filter(business=business, pk=as_uuid(service_id), is_active=True, archived_at__isnull=True)
        .select_related("business__booking_rules")
        .select_for_update(no_key=True, of=("self", "business"))
        .annotate(**columns)
        .first()
    )
    if service is None:
        raise ValidationError({"service_id": [_("Service not found or not bookable.")]})
    try:
        rules = service.business.booking_rules
    except BookingRules.DoesNotExist:
        rules = booking_rules_get(business=business)
    service.business = business  # the caller's instance, not the copy the join brought
    return service, rules, {name: getattr(service, name) for name in columns}


def professional_bookable_get(
    *,
    business: Business,
    professional_id,
    service: Service | None = None,
    professional_scope: Professional | None = None,
) -> Professional:
    """The business's active professional named in a request (400 when not one, or not doing `service`;
    403 when a member limited to `professional_scope`'s agenda names another)."""
    own_agenda_check(professional_id=professional_id, professional_scope=professional_scope)
    config = business_config(business)
    professional = config.professional(as_uuid(professional_id))
    if professional is None or not professional.is_active:
        raise ValidationError({"professional_id": [_("Professional not found.")]})
    if service is not None and professional not in config.professionals_for_service(service.pk):
        raise ValidationError({"professional_id": [_("This professional does not perform this service.")]})
    return professional


def own_agenda_check(*, professional_id, professional_scope: Professional | None) -> None:
    """403 when a member limited to `professional_scope`'s agenda names another professional."""
    if professional_scope is not None and as_uuid(professional_id) != professional_scope.pk:
        raise Forbidden(_("You can only work on your own agenda."))


def time_off_list(*, business: Business) -> QuerySet[TimeOff]:
    return TimeOff.objects.filter(business=business).select_related("professional")


def time_off_get(*, business: Business, time_off_id) -> TimeOff:
    row = TimeOff.objects.filter(business=business, pk=as_uuid(time_off_id)).select_related("professional").first()
    if row is None:
        raise Http404
    return row


# --- Availability -----------------------------------------------------------------------------
def professional_days(
    *,
    business: Business,
    professionals: list[Professional],
    day: date,
    tz: ZoneInfo,
    buffer: timedelta,
    exclude_appointment_id=None,
) -> dict[object, ProfessionalDay]:
    """Load `day` for these professionals in three queries: hours, time off, appointments."""
    return professional_days_range(
        business=business,
        professionals=professionals,
        first_day=day,
        last_day=day,
        tz=tz,
        buffer=buffer,
        exclude_appointment_id=exclude_appointment_id,
    )[day]


def _weekly_hours(professional_ids: list) -> dict[object, list[tuple[int, time, time]]]:
    """The professionals' weekly hours as the cached set-up holds them, read in one query."""
    hours: dict[object, list[tuple[int, time, time]]] = {}
    for professional_id, weekday, start, end in (
        WorkingHours.objects.filter(professional__in=professional_ids)
        .order_by("start_time")
        .values_list("professional_id", "weekday", "start_time", "end_time")
    ):
        hours.setdefault(professional_id, []).append((weekday, start, end))
    return hours


def _working_intervals(
    hours: dict[object, list[tuple[int, time, time]]], professional_ids: list, days: list[date], tz: ZoneInfo
) -> dict[tuple[date, object], list[tuple[datetime, datetime]]]:
    """The weekly hours laid on each date as instants, per (date, professional id).

    Each date is expanded in the business's zone, so a day on which the clocks change keeps its
    wall-clock hours."""
    hours_by_weekday: dict[int, list[tuple[object, time, time]]] = {}
    for professional_id in professional_ids:
        for weekday, start, end in hours.get(professional_id, []):
            hours_by_weekday.setdefault(weekday, []).append((professional_id, start, end))
    work: dict[tuple[date, object], list[tuple[datetime, datetime]]] = {}
    for day in days:
        for professional_id, start_time, end_time in hours_by_weekday.get(day.weekday(), []):
            start, end = local_datetime(day, start_time, tz), local_datetime(day, end_time, tz)
            if start < end:
                work.setdefault((day, professional_id), []).append((start, end))
    return work


# What a row of the busy-and-closed query is.
_BUSY, _CLOSED = "busy", "closed"


def professional_days_range(
    *,
    business: Business,
    professionals: list[Professional],
    first_day: date,
    last_day: date,
    tz: ZoneInfo,
    buffer: timedelta,
    exclude_appointment_id=None,
    details: bool = True,
) -> dict[date, dict[object, ProfessionalDay]]:
    """Load every day from first_day to last_day in one query (time off and appointments), whatever
    the range; the weekly hours come from the business's cached set-up.

    Without `details` the busy ranges carry no appointment id or end (enough to tell what is free,
    not to name a conflict): a month of a busy agenda reads a third fewer timestamps.

    Both queries are bounded on both ends by indexes (`timeoff_owner_end_idx`,
    `appointment_prof_until_idx`), so years of history before the range are never read."""
    ids = [professional.pk for professional in professionals]
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    day_starts = [day_bounds(day, tz)[0] for day in days]
    day_ends = [*day_starts[1:], day_bounds(last_day, tz)[1]]
    plan = {day: {pk: ProfessionalDay(professional_id=pk) for pk in ids} for day in days}
    range_start, range_end = day_starts[0], day_ends[-1]

    def touched(start: datetime, end: datetime, ends: list[datetime]) -> list[date]:
        """The days whose [day start, `ends` entry) meets [start, end)."""
        return days[bisect_right(ends, start) : bisect_left(day_starts, end)]

    hours = business_config(business).hours
    for (day, pk), intervals in _working_intervals(hours, ids, days, tz).items():
        plan[day][pk].work.extend(intervals)

    # Time off and appointments in one round trip (UNION ALL), each part on its own index,
    # unordered: the engine does not need an order, and PostgreSQL skips a sort.
    named = ("pk", "end_time") if details else ()
    closed_rows = (
        TimeOff.objects.filter(business=business, end_time__gt=range_start, start_time__lt=range_end)
        .filter(Q(professional__isnull=True) | Q(professional__in=ids))
        .annotate(kind=Value(_CLOSED, output_field=CharField()))
        .order_by()
        .values_list("kind", "professional_id", "start_time", "end_time", *named)
    )
    # A booking's range reaches `buffer` past its end, so look that far past each day.
    busy_rows = (
        Appointment.objects.filter(
            professional__in=ids, blocks_until__gt=range_start, start_time__lt=range_end + buffer
        )
        .exclude(status=AppointmentStatus.CANCELLED)
        .exclude(pk=exclude_appointment_id)
        .annotate(kind=Value(_BUSY, output_field=CharField()))
        .order_by()
        .values_list("kind", "professional_id", "start_time", "blocks_until", *named)
    )
    reach = [day_end + buffer for day_end in day_ends]
    for kind, professional_id, start, until, *details_row in busy_rows.union(closed_rows, all=True):
        if kind == _CLOSED:
            for day in touched(start, until, day_ends):
                for pk in [professional_id] if professional_id else ids:
                    plan[day][pk].closed.append((start, until))
            continue
        pk, end_time = details_row if details else (None, until)
        busy = Busy(start=start, until=until, appointment_id=pk, end_time=end_time)
        for day in touched(start, until, reach):
            plan[day][professional_id].busy.append(busy)
    return plan


@dataclass(frozen=True)
class BookingCalendar:
    open_days: dict[date, bool]
    # The free starts of the day asked for (None when none was).
    slots: list[datetime] | None
    # Days with working hours but no free start (fully booked): a client may join their waitlist.
    full_days: frozenset[date] = frozenset()


def booking_calendar(
    *,
    business: Business,
    service: Service,
    first_day: date,
    last_day: date,
    day: date | None = None,
    professional: Professional | None = None,
    now: datetime | None = None,
) -> BookingCalendar:
    """Which days from first_day to last_day have a free start and, for `day`, its free starts:
    what the public booking page shows, in two queries whatever the day asked for.

    The day is read with the range (which stretches to reach it); a day outside the booking
    horizon (past, or beyond the days ahead the rules open) has no free start to read."""
    tz = business_timezone(business)
    config = business_config(business)
    rules = rules_for(config.rules, service)
    professionals = [professional] if professional else config.professionals_for_service(service.pk)
    duration = timedelta(minutes=service.duration)
    now = now or timezone.now()
    today = now.astimezone(tz).date()
    day_open = day is not None and today <= day <= today + timedelta(days=rules.max_days_ahead)
    ends = ([first_day, last_day] if first_day <= last_day else []) + ([day] if day_open else [])
    plan = (
        professional_days_range(
            business=business,
            professionals=professionals,
            first_day=min(ends),
            last_day=max(ends),
            tz=tz,
            buffer=rules.buffer,
            details=False,
        )
        if ends
        else {}
    )
    open_days = {
        when: any(has_free_start(pro_day, duration, rules, now=now, tz=tz) for pro_day in by_professional.values())
        for when, by_professional in plan.items()
        if first_day <= when <= last_day
    }
    slots = None
    if day is not None:
        slots = (
            merge_starts(free_starts(pro_day, duration, rules, now=now, tz=tz) for pro_day in plan[day].values())
            if day_open
            else []
        )
    full_days = frozenset(
        when
        for when, is_open in open_days.items()
        if not is_open and any(pro_day.work for pro_day in plan[when].values())
    )
    return BookingCalendar(open_days=open_days, slots=slots, full_days=full_days)


def availability_answer(*, business_id, key: tuple, compute: Callable[[datetime], Any]) -> Any:
    """`compute(as_of)`'s result, shared for the minute while the business's set-up and agenda stay
    as they are (`agendazap.business_cache.minute_answer`). `key` names everything else it depends on."""
    name = ":".join(str(part) for part in ("availability", *key))
    return minute_answer(business_id, name, compute, scopes=(SETUP, AGENDA))


@dataclass(frozen=True)
class Availability:
    day: date
    service: Service
    slots: list[datetime]
    busy: list[Busy]


def availability_get(
    *,
    business: Business,
    service: Service,
    day: date,
    professional: Professional | None = None,
    duration_minutes: int | None = None,
    now: datetime | None = None,
) -> Availability:
    """Free start times for `service` on `day` (business time zone), for one professional or any."""
    tz = business_timezone(business)
    config = business_config(business)
    rules = rules_for(config.rules, service)
    professionals = [professional] if professional else config.professionals_for_service(service.pk)
    duration = timedelta(minutes=duration_minutes or service.duration)
    days = professional_days(business=business, professionals=professionals, day=day, tz=tz, buffer=rules.buffer)
    now = now or timezone.now()
    slots = merge_starts(free_starts(pro_day, duration, rules, now=now, tz=tz) for pro_day in days.values())
    day_start, day_end = day_bounds(day, tz)
    busy = sorted(
        (b for pro_day in days.values() for b in pro_day.busy if b.start < day_end and day_start < b.end_time),
        key=lambda b: b.start,
    )
    return Availability(day=day, service=service, slots=slots, busy=busy)


# --- The owner's calendar ------------------------------------------------------------------------
@dataclass(frozen=True)
class CalendarData:
    """What a calendar of several days shows: working intervals per (date, professional id),
    the time off and the appointments that touch the range."""

    work: dict[tuple[date, object], list[tuple[datetime, datetime]]]
    time_off: list[TimeOff]
    appointments: list[Appointment]


def calendar_data(
    *,
    business: Business,
    professionals: list[Professional],
    first_day: date,
    last_day: date,
    status: str | None = None,
) -> CalendarData:
    """Load the range in three queries, whatever its length and the number of professionals:
    weekly hours, time off (the business's and these professionals'), appointments.

    Cancelled appointments are left out unless `status` asks for them.
    """
    tz = business_timezone(business)
    ids = [professional.pk for professional in professionals]
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    range_start, range_end = day_bounds(first_day, tz)[0], day_bounds(last_day, tz)[1]

    work = _working_intervals(_weekly_hours(ids), ids, days, tz)
    time_off = list(
        TimeOff.objects.filter(business=business, start_time__lt=range_end, end_time__gt=range_start)
        .filter(Q(professional__isnull=True) | Q(professional__in=ids))
        .select_related("professional")
        .order_by("start_time")
    )
    appointments = Appointment.objects.filter(
        business=business, professional__in=ids, start_time__lt=range_end, end_time__gt=range_start
    ).select_related("service", "professional")
    if status:
        appointments = appointments.filter(status=status)
    else:
        appointments = appointments.exclude(status=AppointmentStatus.CANCELLED)
    return CalendarData(work=work, time_off=time_off, appointments=list(appointments.order_by("start_time")))


def start_refusal(
    *, business: Business, professional: Professional, service: Service, start: datetime, duration_minutes: int
) -> str | None:
    """Why the business could book `start` only with the squeeze-in box: outside working hours or
    in time off (None when it can book it as it is, or when the time is taken: booking says so)."""
    tz = business_timezone(business)
    rules = rules_for(booking_rules_get(business=business), service)
    day = professional_days(
        business=business, professionals=[professional], day=start.astimezone(tz).date(), tz=tz, buffer=rules.buffer
    )[professional.pk]
    refusal = slot_refusal(
        day, start, timedelta(minutes=duration_minutes), rules, now=timezone.now(), tz=tz, online=False
    )
    return refusal.reason if refusal is not None and not refusal.conflicts else None


# --- Appointments ------------------------------------------------------------------------------
def appointment_list(
    *, business: Business, filters: dict | None = None, professional_scope: Professional | None = None
) -> QuerySet[Appointment]:
    """The business's appointments; with `professional_scope`, only that professional's (its own agenda)."""
    appointments = Appointment.objects.filter(business=business).select_related("service", "professional")
    if professional_scope is not None:
        appointments = appointments.filter(professional=professional_scope)
    return filtered(AppointmentFilter, filters, appointments, tz=business_timezone(business))


def appointment_get(
    *, business: Business, appointment_id, professional_scope: Professional | None = None
) -> Appointment:
    """One of the business's appointments (404 when not, or not on `professional_scope`'s agenda)."""
    appointments = Appointment.objects.filter(business=business, pk=as_uuid(appointment_id))
    if professional_scope is not None:
        appointments = appointments.filter(professional=professional_scope)
    appointment = appointments.select_related("service", "professional", "business").first()
    if appointment is None:
        raise Http404
    return appointment


def appointment_activity_list(*, appointment: Appointment) -> QuerySet[AppointmentActivity]:
    return appointment.activity.all()


def appointment_conflicts(*, appointment_ids) -> list[Appointment]:
    return list(Appointment.objects.filter(pk__in=list(appointment_ids)).order_by("start_time"))


def appointment_stats(*, business: Business, date_from: date | None = None, date_to: date | None = None) -> dict:
    """Figures over a date range (business time zone, both ends inclusive; default: this month)."""
    tz = business_timezone(business)
    today = timezone.now().astimezone(tz).date()
    date_from = date_from or today.replace(day=1)
    date_to = date_to or (date_from.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    if date_to < date_from:
        raise ValidationError({"date_to": [_("Must be on or after date_from.")]})
    start, _unused = day_bounds(date_from, tz)
    _unused, end = day_bounds(date_to, tz)
    appointments = Appointment.objects.filter(business=business, start_time__gte=start, start_time__lt=end)

    by_status = {status: 0 for status in AppointmentStatus.values}
    by_status.update(dict(appointments.values_list("status").annotate(n=Count("pk")).order_by()))
    by_day = {
        day.isoformat(): n
        for day, n in appointments.annotate(day=TruncDate("start_time", tzinfo=tz))
        .values_list("day")
        .annotate(n=Count("pk"))
        .order_by("day")
    }
    by_service = [
        {"service_id": str(service_id), "name": name, "count": n}
        for service_id, name, n in appointments.values_list("service_id", "service__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "service__name")
    ]
    revenue = appointments.filter(status=AppointmentStatus.COMPLETED).aggregate(total=Sum("price"))["total"]
    attended_or_missed = by_status[AppointmentStatus.COMPLETED] + by_status[AppointmentStatus.NO_SHOW]
    return {
        "date_from": date_from.isoformat(),
        "date_to": date_to.isoformat(),
        "total": sum(by_status.values()),
        "by_status": by_status,
        "by_day": by_day,
        "by_service": by_service,
        "revenue": float(revenue or Decimal("0")),
        "no_show_rate": round(by_status[AppointmentStatus.NO_SHOW] / attended_or_missed, 4)
        if attended_or_missed
        else 0.0,
    }


# --- The public booking page ------------------------------------------------------------------------
@cache
def _public_business_id_sql() -> str:
    q = connection.ops.quote_name
    business, membership, user = (q(model._meta.db_table) for model in (Business, Membership, User))
    # Table and column names come from the models; the slug is a parameter.
    return (
        f"SELECT {business}.{q('id')} FROM {business} WHERE {business}.{q('slug')} = %s AND EXISTS("  # noqa: S608
        f"SELECT 1 FROM {membership} JOIN {user} ON {user}.{q('id')} = {membership}.{q('user_id')} "
        f"WHERE {membership}.{q('business_id')} = {business}.{q('id')} AND {membership}.{q('role')} = %s "
        f"AND {user}.{q('is_active')})"
    )


def business_public_id(*, slug: str):
    """The id of the business behind a booking page, or None (unknown slug, deactivated account):
    all a page served from the cache needs of it. The same rule as `business_public_get`, in a
    statement written once per process (the ORM's would cost more to build than to run)."""
    with connection.cursor() as cursor:
        cursor.execute(_public_business_id_sql(), [slug, Role.OWNER])
        row = cursor.fetchone()
    return Business._meta.pk.to_python(row[0]) if row else None


def business_public_get(*, slug: str) -> Business:
    """The business behind a booking page (404 for an unknown slug or a deactivated account)."""
    # A business whose owner's login was deactivated takes no bookings.
    business = (
        Business.objects.filter(slug=slug, memberships__role="owner", memberships__user__is_active=True)
        .select_related("logo")  # its version for the page, in the same query; the image itself is not read
        .defer("logo__data")
        .first()
    )
    if business is None:
        raise Http404
    return business


@dataclass(frozen=True)
class OpeningDay:
    weekday: int
    label: str
    intervals: list[tuple[time, time]]


@dataclass(frozen=True)
class BusinessWeek:
    """When the business opens (the union of its active professionals' weekly hours) and who works there."""

    days: list[OpeningDay]
    team: list[str]


def business_week(*, business: Business) -> BusinessWeek:
    """Opening hours per weekday (Monday first, a day with no hours has no intervals) and the
    active professionals who have hours, so take bookings. One query."""
    rows = (
        WorkingHours.objects.filter(professional__business=business, professional__is_active=True)
        .order_by("weekday", "start_time")
        .values_list("weekday", "start_time", "end_time", "professional_id", "professional__name")
    )
    by_weekday: dict[int, list[tuple[time, time]]] = {}
    team: dict[object, str] = {}
    for weekday, start, end, professional_id, name in rows:
        team[professional_id] = name
        intervals = by_weekday.setdefault(weekday, [])
        # Sorted by start: an interval that overlaps or touches the last one extends it.
        if intervals and start <= intervals[-1][1]:
            intervals[-1] = (intervals[-1][0], max(intervals[-1][1], end))
        else:
            intervals.append((start, end))
    days = [OpeningDay(day.value, str(day.label), by_weekday.get(day.value, [])) for day in Weekday]
    return BusinessWeek(days=days, team=sorted(team.values(), key=str.casefold))


def services_public_list(*, business: Business) -> list[Service]:
    """Services a client can book, by category then name."""
    return list(
        Service.objects.filter(business=business, is_active=True, archived_at__isnull=True)
        .select_related("category")
        .order_by("category__name", "name")
    )


def services_public_cached(*, business: Business) -> list[Service]:
    """`services_public_list` from the business's cached set-up (no query when it is current)."""
    return list(business_config(business).services.values())


def service_public_get(*, business: Business, service_id) -> Service | None:
    """The service a client is booking, from the business's cached set-up (None when not bookable)."""
    return business_config(business).services.get(as_uuid(service_id))


def appointment_by_manage_token(*, slug: str, token: str) -> Appointment:
    appointment = (
        Appointment.objects.filter(manage_token=token, business__slug=slug)
        .select_related("business", "service", "professional", "client")
        .first()
    )
    if appointment is None:
        raise Http404
    return appointment


# --- Recurring series -------------------------------------------------------------------------------
@dataclass(frozen=True)
class SeriesView:
    """An appointment's series as its page shows it: the rhythm and every occurrence."""

    series: Series
    occurrences: list[Appointment]

    def following(self, appointment: Appointment) -> list[Appointment]:
        """The later occurrences that a "this one and the following" cancel would cancel too."""
        now = timezone.now()
        return [
            row
            for row in self.occurrences
            if row.start_time > max(appointment.start_time, now)
            and row.status in (AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED)
            and row.pk != appointment.pk
        ]


def series_view(*, appointment: Appointment) -> SeriesView | None:
    """The series of `appointment` and its occurrences in time order (two queries; None for a one-off)."""
    if appointment.series_id is None:
        return None
    series = Series.objects.get(pk=appointment.series_id)
    occurrences = list(
        Appointment.objects.filter(series_id=appointment.series_id)
        .only("id", "start_time", "end_time", "status", "series_id", "professional_id")
        .order_by("start_time")
    )
    return SeriesView(series=series, occurrences=occurrences)


# --- Visits: several services back to back ------------------------------------------------------
# The most services one visit takes: a salon's longest combination, and a bound on the search.
MAX_VISIT_SERVICES = 5


def visit_services_get(*, business: Business, service_ids: list) -> list[Service]:
    """The business's bookable services named for a visit, in the order given (400 naming what is
    wrong: none, too many, repeated, unknown or not bookable)."""
    if not service_ids:
        raise ValidationError({"service_ids": [_("Choose at least one service.")]})
    if len(service_ids) > MAX_VISIT_SERVICES:
        raise ValidationError(
            {"service_ids": [_("At most %(max)d services in one visit.") % {"max": MAX_VISIT_SERVICES}]}
        )
    ids = [as_uuid(service_id) for service_id in service_ids]
    if len(set(ids)) != len(ids):
        raise ValidationError({"service_ids": [_("Each service appears once in a visit.")]})
    services = business_config(business).services
    unknown = [str(raw) for raw, pk in zip(service_ids, ids, strict=True) if services.get(pk) is None]
    if unknown:
        raise ValidationError(
            {"service_ids": [_("Service not found or not bookable: %(ids)s.") % {"ids": ", ".join(unknown)}]}
        )
    return [services[pk] for pk in ids]


def visit_parts(
    *, business: Business, services: list[Service], professional: Professional | None = None
) -> list[VisitPart]:
    """The engine's view of the services: their lengths and who performs each (only `professional`
    when one is asked for: 400 when that one does not perform them all)."""
    config = business_config(business)
    parts = []
    for service in services:
        performers = config.professionals_for_service(service.pk)
        if professional is not None:
            if professional not in performers:
                raise ValidationError({"professional_id": [_("This professional does not perform this service.")]})
            performers = [professional]
        parts.append(
            VisitPart(duration=timedelta(minutes=service.duration), professional_ids=tuple(p.pk for p in performers))
        )
    return parts


def visit_professionals(*, business: Business, parts: list[VisitPart]) -> list[Professional]:
    config = business_config(business)
    ids = dict.fromkeys(pk for part in parts for pk in part.professional_ids)
    return [config.professional(pk) for pk in ids]


def visit_availability_get(
    *,
    business: Business,
    services: list[Service],
    day: date,
    professional: Professional | None = None,
    now: datetime | None = None,
) -> Availability:
    """Free starts on `day` for the services back to back (see `scheduling.visit_availability`):
    the same answer as `availability_get`, for the whole visit, in the same three queries."""
    tz = business_timezone(business)
    rules = rules_for(business_config(business).rules, services[0])
    parts = visit_parts(business=business, services=services, professional=professional)
    professionals = visit_professionals(business=business, parts=parts)
    days = professional_days(business=business, professionals=professionals, day=day, tz=tz, buffer=rules.buffer)
    slots = visit_free_starts(days, parts, rules, now=now or timezone.now(), tz=tz)
    day_start, day_end = day_bounds(day, tz)
    busy = sorted(
        (b for pro_day in days.values() for b in pro_day.busy if b.start < day_end and day_start < b.end_time),
        key=lambda b: b.start,
    )
    return Availability(day=day, service=services[0], slots=slots, busy=busy)


def visit_get(*, business: Business, visit_id, professional_scope: Professional | None = None) -> Visit:
    """One of the business's visits with its parts in order (404 when not, or when a member limited
    to `professional_scope`'s agenda has no part in it)."""
    visit = (
        Visit.objects.filter(business=business, pk=as_uuid(visit_id))
        .prefetch_related(
            Prefetch(
                "appointments",
                queryset=Appointment.objects.select_related("service", "professional").order_by("start_time"),
                to_attr="parts",
            )
        )
        .first()
    )
    if visit is None or (
        professional_scope is not None and all(part.professional_id != professional_scope.pk for part in visit.parts)
    ):
        raise Http404
    for part in visit.parts:
        part.business = business
    return visit


def visit_parts_of(*, appointment: Appointment) -> list[Appointment]:
    """Every part of the visit `appointment` belongs to, in order (itself alone when it is none)."""
    if appointment.visit_id is None:
        return [appointment]
    return list(
        Appointment.objects.filter(visit_id=appointment.visit_id)
        .select_related("service", "professional")
        .order_by("start_time")
    )


def visit_booking_calendar(
    *,
    business: Business,
    services: list[Service],
    first_day: date,
    last_day: date,
    day: date | None = None,
    professional: Professional | None = None,
    now: datetime | None = None,
) -> BookingCalendar:
    """`booking_calendar` for several services back to back: the days on which the whole visit
    fits somewhere, and the starts of `day`; read in the same two queries."""
    tz = business_timezone(business)
    rules = rules_for(business_config(business).rules, services[0])
    parts = visit_parts(business=business, services=services, professional=professional)
    now = now or timezone.now()
    today = now.astimezone(tz).date()
    day_open = day is not None and today <= day <= today + timedelta(days=rules.max_days_ahead)
    ends = ([first_day, last_day] if first_day <= last_day else []) + ([day] if day_open else [])
    plan = (
        professional_days_range(
            business=business,
            professionals=visit_professionals(business=business, parts=parts),
            first_day=min(ends),
            last_day=max(ends),
            tz=tz,
            buffer=rules.buffer,
            details=False,
        )
        if ends and all(part.professional_ids for part in parts)
        else {}
    )
    open_days = {
        when: visit_has_free_start(by_professional, parts, rules, now=now, tz=tz)
        for when, by_professional in plan.items()
        if first_day <= when <= last_day
    }
    slots = None
    if day is not None:
        slots = visit_free_starts(plan[day], parts, rules, now=now, tz=tz) if day_open and day in plan else []
    return BookingCalendar(open_days=open_days, slots=slots)


def visit_as_placed(*, business: Business, parts: list[Appointment], day: date, buffer: timedelta):
    """A booked visit's parts as the engine moves them (each with its own professional and length)
    and their professionals' `day` without the visit's own bookings."""
    engine_parts = [
        VisitPart(duration=part.end_time - part.start_time, professional_ids=(part.professional_id,)) for part in parts
    ]
    days = professional_days(
        business=business,
        professionals=list({part.professional_id: part.professional for part in parts}.values()),
        day=day,
        tz=business_timezone(business),
        buffer=buffer,
    )
    own = {part.pk for part in parts}
    for pro_day in days.values():
        pro_day.busy = [busy for busy in pro_day.busy if busy.appointment_id not in own]
    return engine_parts, days


def visit_move_starts(*, business: Business, parts: list[Appointment], day: date) -> list[datetime]:
    """The starts a client may move the visit's active `parts` to on `day` (as `visit_move` places them)."""
    rules = rules_for(booking_rules_cached(business=business), parts[0].service)
    engine_parts, days = visit_as_placed(business=business, parts=parts, day=day, buffer=rules.buffer)
    tz = business_timezone(business)
    return [
        start
        for start in visit_free_starts(days, engine_parts, rules, now=timezone.now(), tz=tz)
        if start != parts[0].start_time
    ]


# --- Waitlist ------------------------------------------------------------------------------------
def waitlist_list(*, business: Business, day: date | None = None, service_id=None, status: str | None = None):
    """Who waits, by day and then in the order they joined; without `status`, those still waiting
    or holding an offer."""
    entries = WaitlistEntry.objects.filter(business=business).select_related("service", "professional")
    if day:
        entries = entries.filter(date=day)
    if service_id:
        entries = entries.filter(service_id=service_id)
    entries = entries.filter(status=status) if status else entries.filter(status__in=WAITLIST_ACTIVE)
    return entries.order_by("date", "created_at")


def waitlist_waiting_days(*, business: Business) -> frozenset[date]:
    """The days someone is waiting for, with WhatsApp consent: what a freed time is checked against
    first, so that a cancellation costs no query when nobody waits (cached under the waitlist's version)."""
    return waitlist_cached(
        business.pk,
        "waitlist-days",
        lambda: frozenset(
            WaitlistEntry.objects.filter(business=business, status=WaitlistStatus.WAITING, consent_whatsapp=True)
            .values_list("date", flat=True)
            .distinct()
        ),
    )


def waitlist_entry_get(*, business: Business, entry_id) -> WaitlistEntry:
    entry = WaitlistEntry.objects.filter(business=business, pk=as_uuid(entry_id)).first()
    if entry is None:
        raise Http404
    return entry
