"""The business's report: figures of a period, aggregated in the database in a fixed number of queries."""

from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, DecimalField, Exists, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Business
from scheduling.availability import day_bounds, local_datetime
from scheduling.models import Appointment, AppointmentStatus, Professional, TimeOff, WorkingHours
from scheduling.selectors import business_timezone

MAX_REPORT_DAYS = 366
TOP_SERVICES = 5
ZERO = Decimal("0.00")
NOT_CANCELLED = ~Q(status=AppointmentStatus.CANCELLED)
EXPECTED = Q(status__in=[AppointmentStatus.COMPLETED, AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED])


def _money(condition: Q | None = None) -> Coalesce:
    return Coalesce(
        Sum("price", filter=condition), Value(ZERO), output_field=DecimalField(max_digits=12, decimal_places=2)
    )


COMPLETED_REVENUE = _money(Q(status=AppointmentStatus.COMPLETED))


def report_period(*, business: Business, date_from: date | None, date_to: date | None) -> tuple[date, date]:
    """The period asked for, or this week (Monday to Sunday in the business's zone); a bad one is a 400."""
    today = timezone.now().astimezone(business_timezone(business)).date()
    monday = today - timedelta(days=today.weekday())
    date_from = date_from or (date_to - timedelta(days=6) if date_to else monday)
    date_to = date_to or date_from + timedelta(days=6)
    if date_from > date_to:
        raise ValidationError({"date_from": [_("Must be on or before date_to.")]})
    if (date_to - date_from).days + 1 > MAX_REPORT_DAYS:
        raise ValidationError({"date_to": [_("The period can span at most 366 days.")]})
    return date_from, date_to


def report_professional(*, business: Business, professional_id) -> Professional | None:
    if not professional_id:
        return None
    professional = Professional.objects.filter(business=business, pk=professional_id).first()
    if professional is None:
        raise ValidationError({"professional_id": [_("Unknown professional.")]})
    return professional


def report_appointments(
    *, business: Business, date_from: date, date_to: date, professional: Professional | None = None
) -> QuerySet[Appointment]:
    """The appointments starting in the period (business time zone, both ends inclusive)."""
    tz = business_timezone(business)
    start, end = day_bounds(date_from, tz)[0], day_bounds(date_to, tz)[1]
    appointments = Appointment.objects.filter(business=business, start_time__gte=start, start_time__lt=end)
    return appointments.filter(professional=professional) if professional else appointments


def _minutes(start: datetime, end: datetime) -> int:
    return max(0, int((end - start).total_seconds() // 60))


def _open_minutes(*, business: Business, professionals: list[Professional], date_from: date, date_to: date) -> int:
    """Working hours of these professionals over the period, less their time off (two queries)."""
    tz = business_timezone(business)
    ids = [professional.pk for professional in professionals]
    period_start, period_end = day_bounds(date_from, tz)[0], day_bounds(date_to, tz)[1]
    closed: dict[object, list[tuple[datetime, datetime]]] = {pk: [] for pk in ids}
    time_off = TimeOff.objects.filter(business=business, start_time__lt=period_end, end_time__gt=period_start).filter(
        Q(professional__isnull=True) | Q(professional__in=ids)
    )
    for professional_id, start, end in time_off.values_list("professional_id", "start_time", "end_time"):
        for pk in [professional_id] if professional_id else ids:
            closed[pk].append((start, end))
    hours_by_weekday: dict[int, list[tuple]] = {}
    for row in WorkingHours.objects.filter(professional__in=ids).values_list(
        "professional_id", "weekday", "start_time", "end_time"
    ):
        hours_by_weekday.setdefault(row[1], []).append(row)
    total = 0
    for offset in range((date_to - date_from).days + 1):
        day = date_from + timedelta(days=offset)
        for professional_id, _weekday, start_clock, end_clock in hours_by_weekday.get(day.weekday(), []):
            start, end = local_datetime(day, start_clock, tz), local_datetime(day, end_clock, tz)
            # Time off rows may overlap each other: subtract their union, not each one.
            overlaps = sorted((max(start, s), min(end, e)) for s, e in closed[professional_id] if s < end and start < e)
            off, cursor = 0, start
            for s, e in overlaps:
                s = max(s, cursor)
                if e > s:
                    off += _minutes(s, e)
                    cursor = e
            total += _minutes(start, end) - off
    return total


def _rate(part: int, whole: int) -> float:
    return round(min(part / whole, 1.0), 4) if whole else 0.0


def _by_day(appointments: QuerySet[Appointment], *, tz, date_from: date, date_to: date) -> list[dict]:
    """Appointments and completed revenue per day of the period, a day without any at zero (one query)."""
    per_day = {
        day: (n, revenue)
        for day, n, revenue in appointments.annotate(day=TruncDate("start_time", tzinfo=tz))
        .values("day")
        .annotate(n=Count("pk"), revenue=COMPLETED_REVENUE)
        .values_list("day", "n", "revenue")
    }
    by_day = []
    for offset in range((date_to - date_from).days + 1):
        day = date_from + timedelta(days=offset)
        n, revenue = per_day.get(day, (0, ZERO))
        by_day.append({"date": day, "appointments": n, "revenue": revenue})
    return by_day


def report_today(*, business: Business, today: date) -> dict:
    """The start page's figures: today's appointments by status and revenue, and this week's
    (Monday to Sunday) appointments and completed revenue per day, counted as the report counts
    them. Two queries, whatever the data."""
    tz = business_timezone(business)
    totals = (
        report_appointments(business=business, date_from=today, date_to=today)
        .order_by()
        .aggregate(
            total=Count("pk"),
            **{status: Count("pk", filter=Q(status=status)) for status in AppointmentStatus.values},
            revenue_completed=COMPLETED_REVENUE,
            revenue_expected=_money(EXPECTED),
        )
    )
    monday = today - timedelta(days=today.weekday())
    sunday = monday + timedelta(days=6)
    week = report_appointments(business=business, date_from=monday, date_to=sunday).order_by()
    return {
        "appointments": {
            "total": totals["total"],
            "active": totals["total"] - totals[AppointmentStatus.CANCELLED],
            **{status: totals[status] for status in AppointmentStatus.values},
        },
        "revenue": {"completed": totals["revenue_completed"], "expected": totals["revenue_expected"]},
        "week": _by_day(week, tz=tz, date_from=monday, date_to=sunday),
    }


def report_overview(*, business: Business, date_from: date, date_to: date, professional: Professional | None = None):
    """The figures of a period (see docs of GET /api/reports/overview). Eight queries, whatever the data."""
    tz = business_timezone(business)
    appointments = report_appointments(
        business=business, date_from=date_from, date_to=date_to, professional=professional
    ).order_by()
    period_start = day_bounds(date_from, tz)[0]

    totals = appointments.aggregate(
        total=Count("pk"),
        **{status: Count("pk", filter=Q(status=status)) for status in AppointmentStatus.values},
        revenue_completed=COMPLETED_REVENUE,
        revenue_expected=_money(EXPECTED),
        booked_minutes=Coalesce(Sum("duration_minutes", filter=NOT_CANCELLED), 0),
    )

    by_day = _by_day(appointments, tz=tz, date_from=date_from, date_to=date_to)

    professionals = list(
        Professional.objects.filter(pk=professional.pk)
        if professional
        else Professional.objects.filter(business=business, is_active=True)
    )
    per_professional = {
        pk: (name, n, revenue)
        for pk, name, n, revenue in appointments.values("professional_id")
        .annotate(n=Count("pk"), revenue=COMPLETED_REVENUE)
        .values_list("professional_id", "professional__name", "n", "revenue")
    }
    for listed in professionals:  # an active professional with no booking still shows, at zero
        per_professional.setdefault(listed.pk, (listed.name, 0, ZERO))
    by_professional = sorted(
        (
            {"professional_id": pk, "name": name, "appointments": n, "revenue": revenue}
            for pk, (name, n, revenue) in per_professional.items()
        ),
        key=lambda row: (-row["revenue"], -row["appointments"], row["name"]),
    )

    top_services = [
        {"service_id": pk, "name": name, "appointments": n, "revenue": revenue}
        for pk, name, n, revenue in appointments.values("service_id")
        .annotate(n=Count("pk"), revenue=COMPLETED_REVENUE)
        .order_by("-revenue", "-n", "service__name")
        .values_list("service_id", "service__name", "n", "revenue")[:TOP_SERVICES]
    ]

    earlier_visit = Appointment.objects.filter(
        business=business, client_id=OuterRef("client_id"), start_time__lt=period_start
    ).filter(NOT_CANCELLED)
    clients = (
        appointments.filter(NOT_CANCELLED)
        .values("client_id")
        .annotate(returning=Exists(earlier_visit))
        .values_list("client_id", "returning")
        .distinct()
    )
    returning = dict(clients)

    open_minutes = _open_minutes(
        business=business,
        professionals=[p for p in professionals if p.is_active],
        date_from=date_from,
        date_to=date_to,
    )
    no_show, completed = totals[AppointmentStatus.NO_SHOW], totals[AppointmentStatus.COMPLETED]
    return {
        "period": {"date_from": date_from, "date_to": date_to},
        "appointments": {"total": totals["total"], **{status: totals[status] for status in AppointmentStatus.values}},
        "revenue": {"completed": totals["revenue_completed"], "expected": totals["revenue_expected"]},
        "no_show_rate": _rate(no_show, completed + no_show),
        "occupancy": _rate(totals["booked_minutes"], open_minutes),
        "clients": {
            "new": sum(1 for was_back in returning.values() if not was_back),
            "returning": sum(1 for was_back in returning.values() if was_back),
        },
        "by_day": by_day,
        "by_professional": by_professional,
        "top_services": top_services,
    }
