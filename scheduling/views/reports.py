"""The reports page (figures and charts of a period) and its CSV export."""

import csv
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.views.decorators.http import require_GET

from accounts.permissions import Action, permission_required
from agendazap.forms import add_service_errors
from agendazap.templatetags.dashboard import brl
from scheduling import charts, reports, selectors
from scheduling.forms import ReportPeriodForm
from scheduling.views.common import business_today


def _period(request: HttpRequest) -> tuple[ReportPeriodForm, tuple | None]:
    """The form, and (date_from, date_to, professional) when it is valid."""
    form = ReportPeriodForm(request.GET, business=request.business)
    if not form.is_valid():
        return form, None
    try:
        date_from, date_to = reports.report_period(
            business=request.business, date_from=form.cleaned_data["date_from"], date_to=form.cleaned_data["date_to"]
        )
    except ValidationError as exc:
        add_service_errors(form, exc)
        return form, None
    return form, (date_from, date_to, form.cleaned_data["professional"])


def _shortcuts(request: HttpRequest) -> dict:
    today = business_today(request.business)
    monday = today - timedelta(days=today.weekday())
    first = today.replace(day=1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return {"week": (monday, monday + timedelta(days=6)), "month": (first, last)}


@login_required
@permission_required(Action.FIGURES_VIEW)
@require_GET
def reports_page(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    context = {"form": form, "shortcuts": _shortcuts(request), "report": None}
    if period:
        date_from, date_to, professional = period
        report = reports.report_overview(
            business=request.business, date_from=date_from, date_to=date_to, professional=professional
        )
        days = [(date_format(row["date"], "d/m"), row) for row in report["by_day"]]
        context |= {
            "report": report,
            "professional": professional,
            "bookings_chart": charts.column_chart(
                [
                    (label, row["appointments"], f"{date_format(row['date'], 'd/m')}: {row['appointments']}")
                    for label, row in days
                ]
            ),
            "revenue_chart": charts.column_chart(
                [
                    (label, row["revenue"], f"{date_format(row['date'], 'd/m')}: {brl(row['revenue'])}")
                    for label, row in days
                ]
            ),
            "professional_chart": charts.row_chart(
                [(row["name"], row["revenue"], brl(row["revenue"])) for row in report["by_professional"]]
            ),
            "service_chart": charts.row_chart(
                [(row["name"], row["revenue"], brl(row["revenue"])) for row in report["top_services"]]
            ),
        }
    return render(request, "scheduling/reports.html", context, status=400 if form.errors else 200)


@login_required
@permission_required(Action.FIGURES_VIEW)
@require_GET
def reports_csv(request: HttpRequest) -> HttpResponse:
    form, period = _period(request)
    if not period:
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain; charset=utf-8")
    date_from, date_to, professional = period
    tz = selectors.business_timezone(request.business)
    appointments = (
        reports.report_appointments(
            business=request.business, date_from=date_from, date_to=date_to, professional=professional
        )
        .select_related("service", "professional")
        .order_by("start_time")
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="agendamentos-{date_from}-{date_to}.csv"'
    # The BOM makes Excel read the file as UTF-8 (accents); ";" and a decimal comma are what Excel
    # set to pt-BR expects, so the file opens in columns with prices as numbers on a double click.
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(["data", "hora", "cliente", "whatsapp", "serviço", "profissional", "status", "preço"])
    for appointment in appointments:
        start = appointment.start_time.astimezone(tz)
        price = "" if appointment.price is None else f"{appointment.price:.2f}".replace(".", ",")
        writer.writerow(
            [
                start.strftime("%d/%m/%Y"),
                start.strftime("%H:%M"),
                appointment.client_name,
                appointment.client_whatsapp,
                appointment.service.name,
                appointment.professional.name,
                appointment.get_status_display(),
                price,
            ]
        )
    return response
