"""Dashboard pages of the agenda's settings: professionals, their hours, time off and booking rules."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import Action, permission_required
from agendazap.errors import DomainError
from agendazap.forms import add_domain_error, add_service_errors
from catalog import selectors as catalog_selectors
from scheduling import selectors, services
from scheduling.forms import (
    ActiveForm,
    BookingRulesForm,
    ProfessionalCreateForm,
    ProfessionalForm,
    TimeOffForm,
    WeeklyHoursForm,
)
from scheduling.models import Professional, Weekday
from scheduling.views.common import business_professionals, status_of


# --- Agenda settings: professionals, time off, rules ----------------------------------------------
def _settings(
    request: HttpRequest,
    *,
    professional_form: ProfessionalCreateForm | None = None,
    time_off_form: TimeOffForm | None = None,
    rules_form: BookingRulesForm | None = None,
    status: int | None = None,
) -> HttpResponse:
    business = request.business
    professionals = business_professionals(business, include_inactive=True)
    active = [professional for professional in professionals if professional.is_active]
    rules = selectors.booking_rules_get(business=business)
    context = {
        "professionals": professionals,
        "time_off": list(
            selectors.time_off_list(business=business).filter(end_time__gt=timezone.now()).order_by("start_time")
        ),
        "professional_form": professional_form or ProfessionalCreateForm(),
        "time_off_form": time_off_form or TimeOffForm(professionals=active),
        "rules_form": rules_form
        or BookingRulesForm(initial={field: getattr(rules, field) for field in services.RULE_FIELDS}),
    }
    status = status or status_of(professional_form, time_off_form, rules_form)
    return render(request, "scheduling/settings.html", context, status=status)


@login_required
@permission_required(Action.SETTINGS_MANAGE)
@require_GET
def agenda_settings(request: HttpRequest) -> HttpResponse:
    return _settings(request)


@login_required
@permission_required(Action.SETTINGS_MANAGE)
@require_POST
def professional_create(request: HttpRequest) -> HttpResponse:
    form = ProfessionalCreateForm(request.POST)
    status = None
    if form.is_valid():
        try:
            professional = services.professional_create(business=request.business, name=form.cleaned_data["name"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            status = add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("%(name)s was added with the default hours. Adjust them below.") % {"name": professional.name},
            )
            return redirect("dashboard:settings-professional", professional_id=professional.pk)
    return _settings(request, professional_form=form, status=status)


def _professional_page(
    request: HttpRequest,
    professional: Professional,
    *,
    form: ProfessionalForm | None = None,
    hours_form: WeeklyHoursForm | None = None,
    active_form: ActiveForm | None = None,
    status: int | None = None,
) -> HttpResponse:
    business = request.business
    all_services = list(catalog_selectors.service_list(business=business).prefetch_related(None))
    if form is None:
        initial = {
            "name": professional.name,
            "service_ids": [str(pk) for pk in professional.services.values_list("pk", flat=True)],
        }
        form = ProfessionalForm(initial=initial, services=all_services)
    if hours_form is None:
        initial, breaks = WeeklyHoursForm.initial_for(professional.working_hours.all())
        hours_form = WeeklyHoursForm(initial=initial, breaks=breaks)
    context = {
        "professional": professional,
        "form": form,
        "hours_form": hours_form,
        "active_form": active_form or ActiveForm(),
    }
    status = status or status_of(form, hours_form, active_form)
    return render(request, "scheduling/professional.html", context, status=status)


@login_required
@permission_required(Action.SETTINGS_MANAGE)
@require_http_methods(["GET", "POST"])
def professional_detail(request: HttpRequest, professional_id) -> HttpResponse:
    business = request.business
    professional = selectors.professional_get(business=business, professional_id=professional_id)
    if request.method == "GET":
        return _professional_page(request, professional)
    all_services = list(catalog_selectors.service_list(business=business).prefetch_related(None))
    form = ProfessionalForm(request.POST, services=all_services)
    if form.is_valid():
        try:
            services.professional_update(professional=professional, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("dashboard:settings-professional", professional_id=professional.pk)
        professional = selectors.professional_get(business=business, professional_id=professional_id)
    return _professional_page(request, professional, form=form)


@login_required
@permission_required(Action.SETTINGS_MANAGE)
@require_POST
def professional_active(request: HttpRequest, professional_id) -> HttpResponse:
    business = request.business
    professional = selectors.professional_get(business=business, professional_id=professional_id)
    form = ActiveForm(request.POST)
    status = None
    if form.is_valid():
        try:
            services.professional_update(professional=professional, data={"is_active": form.cleaned_data["is_active"]})
        except ValidationError as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            status = add_domain_error(form, exc)
        else:
            if professional.is_active:
                messages.success(request, _("%(name)s takes bookings again.") % {"name": professional.name})
            else:
                messages.success(
                    request,
                    _("%(name)s no longer takes bookings. Past appointments keep their professional.")
                    % {"name": professional.name},
                )
            return redirect("dashboard:settings-professional", professional_id=professional.pk)
        professional = selectors.professional_get(business=business, professional_id=professional_id)
    return _professional_page(request, professional, active_form=form, status=status)


@login_required
@permission_required(Action.SETTINGS_MANAGE)
@require_POST
def professional_hours(request: HttpRequest, professional_id) -> HttpResponse:
    """Save the week; or, with `copy_from` or `add_break`, show it again changed and unsaved."""
    professional = selectors.professional_get(business=request.business, professional_id=professional_id)
    breaks = WeeklyHoursForm.breaks_in(request.POST)
    data = request.POST
    if "add_break" in request.POST:
        breaks += 1
    elif (source := _weekday_in(request.POST.get("copy_from"))) is not None:
        data = WeeklyHoursForm.copied(request.POST, source=source, breaks=breaks)
        messages.info(
            request,
            _("%(day)s's hours and breaks are now on every day. Save to keep them.") % {"day": Weekday(source).label},
        )
    else:
        form = WeeklyHoursForm(data, breaks=breaks)
        if form.is_valid():
            try:
                services.working_hours_replace(professional=professional, intervals=form.intervals())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Weekly hours saved."))
                return redirect("dashboard:settings-professional", professional_id=professional.pk)
        return _professional_page(request, professional, hours_form=form)
    form = WeeklyHoursForm(data, breaks=breaks)
    form.is_valid()  # show what is wrong with the week as it now stands
    status = 400 if form.errors else 200
    return _professional_page(request, professional, hours_form=form, status=status)


def _weekday_in(value: str | None) -> int | None:
    return int(value) if value in {str(int(weekday)) for weekday in Weekday} else None


@login_required
@permission_required(Action.SETTINGS_MANAGE)
@require_POST
def time_off_create(request: HttpRequest) -> HttpResponse:
    business = request.business
    form = TimeOffForm(request.POST, professionals=business_professionals(business))
    if form.is_valid():
        start, end = form.period(selectors.business_timezone(business))
        try:
            services.time_off_create(
                business=business,
                start_time=start,
                end_time=end,
                professional_id=form.cleaned_data["professional_id"] or None,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Time off added. No times are offered in that period."))
            return redirect("dashboard:settings-agenda")
    return _settings(request, time_off_form=form)


@login_required
@permission_required(Action.SETTINGS_MANAGE)
@require_POST
def time_off_delete(request: HttpRequest, time_off_id) -> HttpResponse:
    row = selectors.time_off_get(business=request.business, time_off_id=time_off_id)
    services.time_off_delete(time_off=row)
    messages.success(request, _("Time off removed."))
    return redirect("dashboard:settings-agenda")


@login_required
@permission_required(Action.SETTINGS_MANAGE)
@require_POST
def booking_rules(request: HttpRequest) -> HttpResponse:
    form = BookingRulesForm(request.POST)
    if form.is_valid():
        try:
            services.booking_rules_update(business=request.business, data=form.rules())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Booking rules saved."))
            return redirect("dashboard:settings-agenda")
    return _settings(request, rules_form=form)
