import functools
from urllib.parse import quote

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.booking_link import booking_page_url, booking_qr_svg
from accounts.permissions import Action, can, membership_for, permission_required, professional_scope, public
from agendazap.templatetags.dashboard import brl
from scheduling import charts, reports
from scheduling import selectors as scheduling_selectors
from scheduling.models import AppointmentStatus
from scheduling.services import ACTIVE_STATUSES

HEALTH_TIMEOUT_SECONDS = 2


@public
@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Report whether the database and (when configured) Redis answer; 503 names what does not."""
    checks = {"database": _database_status(), "redis": _redis_status()}
    healthy = all(value in ("ok", "not configured") for value in checks.values())
    body = {"status": "ok" if healthy else "unavailable", **checks}
    return JsonResponse(body, status=200 if healthy else 503)


def _database_status() -> str:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any failure means "down"; the detail stays in our logs
        return "unavailable"
    return "ok"


def _redis_status() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    try:
        _redis_client().ping()
    except redis.RedisError:
        return "unavailable"
    return "ok"


@functools.cache
def _redis_client() -> redis.Redis:
    """One client per process: its pool keeps the connection, so a probe does not open one each time."""
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=HEALTH_TIMEOUT_SECONDS, socket_timeout=HEALTH_TIMEOUT_SECONDS
    )


def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    return render(request, "landing.html")


UPCOMING_ON_HOME = 5


@login_required
@permission_required(Action.AGENDA_VIEW_OWN)
def dashboard_home(request: HttpRequest) -> HttpResponse:
    """The start page: today's appointments and the next ones; with the figures action, today's
    revenue and this week's chart too. A fixed number of queries, whatever the data.

    A member who works only its own agenda starts there instead.
    """
    business = request.business
    membership = membership_for(request)
    if professional_scope(membership) is not None:
        return redirect("dashboard:agenda")
    now = timezone.now()
    today = now.astimezone(scheduling_selectors.business_timezone(business)).date()
    upcoming = scheduling_selectors.appointment_list(business=business, filters={"status": list(ACTIVE_STATUSES)})
    context = {
        "today": today,
        "today_iso": today.isoformat(),
        "upcoming": list(upcoming.filter(start_time__gte=now).order_by("start_time")[:UPCOMING_ON_HOME]),
    }
    if can(membership, Action.FIGURES_VIEW):
        figures = reports.report_today(business=business, today=today)
        week = figures["week"]
        context |= {
            "figures": figures,
            "today_count": figures["appointments"]["active"],
            "week_start": week[0]["date"],
            "week_end": week[-1]["date"],
            "week_total": sum(row["appointments"] for row in week),
            "bookings_chart": charts.column_chart(
                [(_day_abbr(row), row["appointments"], f"{_day_label(row)}: {row['appointments']}") for row in week]
            ),
            "revenue_chart": charts.column_chart(
                [(_day_abbr(row), row["revenue"], f"{_day_label(row)}: {brl(row['revenue'])}") for row in week]
            ),
        }
    else:
        not_cancelled = [status for status in AppointmentStatus.values if status != AppointmentStatus.CANCELLED]
        todays = scheduling_selectors.appointment_list(
            business=business, filters={"date_from": today, "date_to": today, "status": not_cancelled}
        )
        context["today_count"] = todays.count()
    if business.slug:
        booking_url = booking_page_url(business)
        message = _("Book your appointment at %(name)s: %(url)s") % {
            "name": business.name or business.slug,
            "url": booking_url,
        }
        context["booking_url"] = booking_url
        context["whatsapp_share_url"] = "https://wa.me/?text=" + quote(message, safe="")
    return render(request, "dashboard/home.html", context)


def _day_abbr(row: dict) -> str:
    """A chart bar's label: the weekday, short ("Sab")."""
    return date_format(row["date"], "D")


def _day_label(row: dict) -> str:
    """A chart bar's day when read out: "sábado 05/12"."""
    return f"{date_format(row['date'], 'l')} {date_format(row['date'], 'd/m')}"


# Anyone at the counter may show the booking link, so every member may see these.
@login_required
@permission_required(Action.AGENDA_VIEW_OWN)
@require_GET
def booking_link_qr(request: HttpRequest) -> HttpResponse:
    business = request.business
    if not business.slug:
        return HttpResponse(status=404)
    return HttpResponse(booking_qr_svg(booking_page_url(business)), content_type="image/svg+xml")


@login_required
@permission_required(Action.AGENDA_VIEW_OWN)
@require_GET
def booking_link_print(request: HttpRequest) -> HttpResponse:
    business = request.business
    if not business.slug:
        return redirect("dashboard:home")
    return render(request, "dashboard/booking_link_print.html", {"booking_url": booking_page_url(business)})


def page_not_found(request: HttpRequest, exception) -> HttpResponse:
    """A JSON 404 under /api/ (a mobile app parses it), Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": _("Internal server error. We have been notified.")}, status=500)
    return defaults.server_error(request)
