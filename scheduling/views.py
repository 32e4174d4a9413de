"""Dashboard pages of the agenda and its settings.

Thin views: a form checks the shape of the input, then the same services and selectors the
API uses do the work. A service's ValidationError goes back on the form (400); a domain error
(409 taken time, 402 plan limit) is shown as the form's error with its own status.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from agendazap.errors import DomainError
from agendazap.events import Actor, ActorKind, Via
from agendazap.forms import add_domain_error, add_service_errors
from catalog import selectors as catalog_selectors
from crm import selectors as client_selectors
from scheduling import selectors, services
from scheduling.forms import (
    ActiveForm,
    AgendaFilterForm,
    AppointmentBookForm,
    AppointmentCancelForm,
    AppointmentStatusForm,
    BookingRulesForm,
    DateForm,
    ProfessionalCreateForm,
    ProfessionalForm,
    RescheduleForm,
    SlotQueryForm,
    TimeOffForm,
    WorkingHoursForm,
    start_instant,
)
from scheduling.models import ActivityKind, Appointment, AppointmentActivity, AppointmentStatus, Professional
from scheduling.selectors import Availability

# Offered on an appointment's page, in this order; which ones apply is the service's table.
STATUS_ACTIONS = (AppointmentStatus.CONFIRMED, AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW)


def _actor(request: HttpRequest) -> Actor:
    return Actor.business(request.user, via=Via.DASHBOARD)


def _today(owner) -> date:
    return timezone.now().astimezone(selectors.business_timezone(owner)).date()


def _status_of(*forms) -> int:
    return 400 if any(form.errors for form in forms if form is not None) else 200


@dataclass(frozen=True)
class SlotChoice:
    """An offered start as the slot picker shows it: its exact instant, and the time to read."""

    value: str
    label: str


def _slot_choices(slots: list[datetime], tz: ZoneInfo) -> list[SlotChoice]:
    """The exact instant is the value, so the repeated hour of a fall-back night stays two times;
    there the label names the zone's abbreviation too (01:30 EDT, 01:30 EST)."""
    local = [slot.astimezone(tz) for slot in slots]
    seen = Counter(slot.strftime("%H:%M") for slot in local)
    return [
        SlotChoice(
            value=slot.isoformat(),
            label=f"{slot:%H:%M} {slot:%Z}" if seen[slot.strftime("%H:%M")] > 1 else f"{slot:%H:%M}",
        )
        for slot in local
    ]


def _professionals(owner, *, include_inactive: bool = False) -> list[Professional]:
    # For menus only: the selector's prefetches (hours, services) are not needed here.
    return list(selectors.professional_list(owner=owner, include_inactive=include_inactive).prefetch_related(None))


# --- Agenda ---------------------------------------------------------------------------------------
@login_required
@require_GET
def agenda(request: HttpRequest) -> HttpResponse:
    owner = request.user
    today = _today(owner)
    data = request.GET.copy()
    if not data.get("date"):
        data["date"] = today.isoformat()
    form = AgendaFilterForm(data, professionals=_professionals(owner, include_inactive=True))
    day, appointments = today, []
    if form.is_valid():
        day = form.cleaned_data["date"]
        filters = {"date_from": day, "date_to": day}
        if form.cleaned_data["professional_id"]:
            filters["professional_id"] = form.cleaned_data["professional_id"]
        if form.cleaned_data["status"]:
            filters["status"] = [form.cleaned_data["status"]]
        try:
            appointments = list(selectors.appointment_list(owner=owner, filters=filters))
        except ValidationError as exc:
            add_service_errors(form, exc)
    context = {
        "form": form,
        "day": day,
        "today": today,
        "previous_day": (day - timedelta(days=1)).isoformat(),
        "next_day": (day + timedelta(days=1)).isoformat(),
        "appointments": appointments,
    }
    return render(request, "scheduling/agenda.html", context, status=_status_of(form))


def _availability(owner, query: SlotQueryForm) -> Availability | None:
    """The free times for the service, professional and date of a valid step-one form."""
    data = query.cleaned_data
    try:
        service = selectors.service_bookable_get(owner=owner, service_id=data["service_id"])
        professional = None
        if data["professional_id"]:
            professional = selectors.professional_bookable_get(
                owner=owner, professional_id=data["professional_id"], service=service
            )
    except ValidationError as exc:
        add_service_errors(query, exc)
        return None
    return selectors.availability_get(owner=owner, service=service, day=data["date"], professional=professional)


def _split_errors(exc: ValidationError, query: SlotQueryForm, book: AppointmentBookForm) -> None:
    """Put a booking's errors on the step of the page that has the field."""
    if not hasattr(exc, "error_dict"):
        add_service_errors(book, exc)
        return
    for field, field_messages in exc.message_dict.items():
        if field == "start_time":
            field = book.time_field
        target = query if field in query.fields else book
        target.add_error(field if field in target.fields else None, field_messages)


@login_required
@require_http_methods(["GET", "POST"])
def appointment_new(request: HttpRequest) -> HttpResponse:
    owner = request.user
    tz = selectors.business_timezone(owner)
    today = _today(owner)
    bookable = catalog_selectors.service_list(owner=owner, filters={"is_active": True}).prefetch_related(None)
    is_post = request.method == "POST"
    query = SlotQueryForm(
        request.POST if is_post else (request.GET or None),
        services=list(bookable),
        professionals=_professionals(owner),
        initial={"date": today},
    )
    availability = _availability(owner, query) if query.is_bound and query.is_valid() else None
    day = availability.day if availability is not None else None
    book = AppointmentBookForm(request.POST if is_post else None, past_day=day is not None and day < today)
    status = None
    known_client = None
    if is_post and availability is not None and book.is_valid():
        step_one, step_two = query.cleaned_data, book.cleaned_data
        known_client = client_selectors.client_named_otherwise(
            owner=owner, whatsapp=step_two["client_whatsapp"], name=step_two["client_name"]
        )
        # Another name for a known number: the form comes back saying whose number it is and
        # asks first; a choice made about another client (the number changed since) asks again.
        asked = known_client is not None and step_two["known_client"] == known_client.pk
        choice = step_two["client_name_choice"] if asked else ""
        if known_client is None or choice:
            try:
                appointment = services.appointment_book(
                    owner=owner,
                    service_id=step_one["service_id"],
                    professional_id=step_one["professional_id"] or None,
                    start_time=book.start(step_one["date"], tz),
                    outside_hours=step_two["outside_hours"],
                    status=step_two["status"] or None,
                    client_name=step_two["client_name"],
                    client_whatsapp=step_two["client_whatsapp"],
                    client_email=step_two["client_email"],
                    notes=step_two["notes"],
                    rename_client=choice == "rename",
                    actor=_actor(request),
                )
            except ValidationError as exc:
                _split_errors(exc, query, book)
            except DomainError as exc:
                status = add_domain_error(book, exc)
                availability = _availability(owner, query)  # fresh: the time just refused is gone
            else:
                start = appointment.start_time.astimezone(tz)
                messages.success(
                    request,
                    _("Booked: %(client)s on %(day)s at %(time)s with %(professional)s.")
                    % {
                        "client": appointment.client_name,
                        "day": date_format(start, "SHORT_DATE_FORMAT"),
                        "time": start.strftime("%H:%M"),
                        "professional": appointment.professional.name,
                    },
                )
                return redirect("dashboard:agenda-detail", appointment_id=appointment.pk)
    context = {
        "query": query,
        "form": book,
        "availability": availability,
        "slots": _slot_choices(availability.slots, tz) if availability is not None else [],
        "ask_visit_status": day is not None and day <= today,
        "chosen_time": book.data.get("start_time", "") if book.is_bound else "",
        "known_client": known_client,
    }
    return render(request, "scheduling/appointment_new.html", context, status=status or _status_of(query, book))


# --- One appointment ------------------------------------------------------------------------------
def _detail(
    request: HttpRequest,
    appointment: Appointment,
    *,
    status_form: AppointmentStatusForm | None = None,
    cancel_form: AppointmentCancelForm | None = None,
    reschedule_form: RescheduleForm | None = None,
    status: int = 200,
) -> HttpResponse:
    owner = request.user
    allowed = services.ALLOWED_TRANSITIONS.get(appointment.status, set())
    started = appointment.start_time <= timezone.now()
    settable = services.allowed_statuses(appointment, now=timezone.now())
    actions = [action for action in STATUS_ACTIONS if action in settable]
    movable = appointment.status in services.ACTIVE_STATUSES

    # The reschedule step: a date (from the GET picker or the POST that failed), then its free times.
    day = None
    if reschedule_form is not None and reschedule_form.is_bound:
        day = getattr(reschedule_form, "cleaned_data", {}).get("date")
    date_form = DateForm(
        request.GET if "date" in request.GET else None,
        initial={"date": day or appointment.start_time.astimezone(selectors.business_timezone(owner)).date()},
    )
    if day is None and date_form.is_bound and date_form.is_valid():
        day = date_form.cleaned_data["date"]
    slots = None
    if movable and day is not None:
        slots = selectors.availability_get(
            owner=owner,
            service=appointment.service,
            day=day,
            professional=appointment.professional,
            duration_minutes=appointment.duration_minutes,
        ).slots
    tz = selectors.business_timezone(owner)
    context = {
        "appointment": appointment,
        "activity": [_activity_line(row) for row in selectors.appointment_activity_list(appointment=appointment)],
        "status_actions": actions,
        "waiting_to_start": not started and AppointmentStatus.COMPLETED in allowed,
        "can_cancel": AppointmentStatus.CANCELLED in allowed,
        "movable": movable,
        "status_form": status_form or AppointmentStatusForm(),
        "cancel_form": cancel_form or AppointmentCancelForm(),
        "reschedule_form": reschedule_form or RescheduleForm(),
        "date_form": date_form,
        "reschedule_day": day,
        "slots": _slot_choices(slots, tz) if slots is not None else None,
        "chosen_time": reschedule_form.data.get("start_time", "") if reschedule_form is not None else "",
    }
    if status == 200:
        status = _status_of(date_form)
    return render(request, "scheduling/appointment_detail.html", context, status=status)


# Who did it, as the business reads its own history.
OWNER_VIA = {Via.DASHBOARD: gettext_lazy("You (dashboard)"), Via.API: gettext_lazy("You (API)")}
CLIENT_VIA = {
    Via.MANAGE_LINK: gettext_lazy("Client (link)"),
    Via.WHATSAPP: gettext_lazy("Client (WhatsApp)"),
    Via.PUBLIC_PAGE: gettext_lazy("Client (booking page)"),
    Via.PUBLIC_API: gettext_lazy("Client (booking page)"),
}
ACTOR_KIND = {
    ActorKind.OWNER: gettext_lazy("You"),
    ActorKind.MEMBER: gettext_lazy("Your team"),
    ActorKind.CLIENT: gettext_lazy("Client"),
    ActorKind.STAFF: gettext_lazy("AgendaZap team"),
    ActorKind.SYSTEM: gettext_lazy("System"),
}


@dataclass(frozen=True)
class ActivityLine:
    kind: str
    label: str
    when: datetime
    who: str
    moved_from: datetime | None = None
    moved_to: datetime | None = None
    note: str = ""


def _activity_line(row: AppointmentActivity) -> ActivityLine:
    """One line of the history page: what, when (aware: the template shows the business's zone), who."""
    if row.actor_kind == ActorKind.OWNER:
        who = OWNER_VIA.get(row.actor_via, ACTOR_KIND[ActorKind.OWNER])
    elif row.actor_kind == ActorKind.CLIENT:
        who = CLIENT_VIA.get(row.actor_via, ACTOR_KIND[ActorKind.CLIENT])
    else:
        who = ACTOR_KIND.get(row.actor_kind, row.actor_kind)
    details = row.details or {}
    moved_from = moved_to = None
    notes = []
    if row.kind == ActivityKind.MOVED:
        moved_from, moved_to = datetime.fromisoformat(details["from"]), datetime.fromisoformat(details["to"])
        notes = [details[key] for key in ("professional", "service") if details.get(key)]
    elif row.kind == ActivityKind.CANCELLED and details.get("reason"):
        notes = [details["reason"]]
    elif row.kind == ActivityKind.DETAILS_CHANGED:
        fields = {field.name: field.verbose_name for field in Appointment._meta.fields}
        notes = [str(fields[name]) for name in details.get("fields", []) if name in fields]
    return ActivityLine(
        kind=row.kind,
        label=row.get_kind_display(),
        when=row.created_at,
        who=str(who),
        moved_from=moved_from,
        moved_to=moved_to,
        note=", ".join(notes),
    )


@login_required
@require_GET
def appointment_detail(request: HttpRequest, appointment_id) -> HttpResponse:
    appointment = selectors.appointment_get(owner=request.user, appointment_id=appointment_id)
    return _detail(request, appointment)


@login_required
@require_POST
def appointment_status(request: HttpRequest, appointment_id) -> HttpResponse:
    appointment = selectors.appointment_get(owner=request.user, appointment_id=appointment_id)
    form = AppointmentStatusForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.appointment_set_status(
                appointment=appointment, actor=_actor(request), status=form.cleaned_data["status"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            status = add_domain_error(form, exc)
        else:
            messages.success(
                request, _("Status changed to “%(status)s”.") % {"status": appointment.get_status_display()}
            )
            return redirect("dashboard:agenda-detail", appointment_id=appointment.pk)
        appointment = selectors.appointment_get(owner=request.user, appointment_id=appointment_id)
    return _detail(request, appointment, status_form=form, status=status)


@login_required
@require_POST
def appointment_cancel(request: HttpRequest, appointment_id) -> HttpResponse:
    appointment = selectors.appointment_get(owner=request.user, appointment_id=appointment_id)
    form = AppointmentCancelForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.appointment_cancel(
                appointment=appointment, actor=_actor(request), reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            status = add_domain_error(form, exc)
        else:
            messages.success(request, _("Appointment cancelled. Its time is free again."))
            return redirect("dashboard:agenda-detail", appointment_id=appointment.pk)
        appointment = selectors.appointment_get(owner=request.user, appointment_id=appointment_id)
    return _detail(request, appointment, cancel_form=form, status=status)


@login_required
@require_POST
def appointment_reschedule(request: HttpRequest, appointment_id) -> HttpResponse:
    owner = request.user
    appointment = selectors.appointment_get(owner=owner, appointment_id=appointment_id)
    form = RescheduleForm(request.POST)
    status = 400
    if form.is_valid():
        tz = selectors.business_timezone(owner)
        start = start_instant(form.cleaned_data["date"], form.cleaned_data["start_time"], tz)
        try:
            services.appointment_update(appointment=appointment, actor=_actor(request), data={"start_time": start})
        except ValidationError as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            status = add_domain_error(form, exc)
        else:
            messages.success(request, _("Appointment moved."))
            return redirect("dashboard:agenda-detail", appointment_id=appointment.pk)
        # A refused move may have touched the object in memory: show what is stored.
        appointment = selectors.appointment_get(owner=owner, appointment_id=appointment_id)
    return _detail(request, appointment, reschedule_form=form, status=status)


# --- Agenda settings: professionals, time off, rules ----------------------------------------------
def _settings(
    request: HttpRequest,
    *,
    professional_form: ProfessionalCreateForm | None = None,
    time_off_form: TimeOffForm | None = None,
    rules_form: BookingRulesForm | None = None,
    status: int | None = None,
) -> HttpResponse:
    owner = request.user
    professionals = _professionals(owner, include_inactive=True)
    active = [professional for professional in professionals if professional.is_active]
    rules = selectors.booking_rules_get(owner=owner)
    context = {
        "professionals": professionals,
        "time_off": list(
            selectors.time_off_list(owner=owner).filter(end_time__gt=timezone.now()).order_by("start_time")
        ),
        "professional_form": professional_form or ProfessionalCreateForm(),
        "time_off_form": time_off_form or TimeOffForm(professionals=active),
        "rules_form": rules_form
        or BookingRulesForm(initial={field: getattr(rules, field) for field in services.RULE_FIELDS}),
    }
    status = status or _status_of(professional_form, time_off_form, rules_form)
    return render(request, "scheduling/settings.html", context, status=status)


@login_required
@require_GET
def agenda_settings(request: HttpRequest) -> HttpResponse:
    return _settings(request)


@login_required
@require_POST
def professional_create(request: HttpRequest) -> HttpResponse:
    form = ProfessionalCreateForm(request.POST)
    status = None
    if form.is_valid():
        try:
            professional = services.professional_create(owner=request.user, name=form.cleaned_data["name"])
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


def _hour_pairs(professional: Professional) -> int:
    """Two intervals a day, or more when the week already has more (set through the API)."""
    per_day = Counter(row.weekday for row in professional.working_hours.all())
    return max(2, *per_day.values()) if per_day else 2


def _professional_page(
    request: HttpRequest,
    professional: Professional,
    *,
    form: ProfessionalForm | None = None,
    hours_form: WorkingHoursForm | None = None,
    active_form: ActiveForm | None = None,
    status: int | None = None,
) -> HttpResponse:
    owner = request.user
    all_services = list(catalog_selectors.service_list(owner=owner).prefetch_related(None))
    if form is None:
        initial = {
            "name": professional.name,
            "service_ids": [str(pk) for pk in professional.services.values_list("pk", flat=True)],
        }
        form = ProfessionalForm(initial=initial, services=all_services)
    if hours_form is None:
        hours = list(professional.working_hours.all())
        hours_form = WorkingHoursForm(initial=WorkingHoursForm.initial_for(hours), pairs=_hour_pairs(professional))
    context = {
        "professional": professional,
        "form": form,
        "hours_form": hours_form,
        "active_form": active_form or ActiveForm(),
    }
    status = status or _status_of(form, hours_form, active_form)
    return render(request, "scheduling/professional.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def professional_detail(request: HttpRequest, professional_id) -> HttpResponse:
    owner = request.user
    professional = selectors.professional_get(owner=owner, professional_id=professional_id)
    if request.method == "GET":
        return _professional_page(request, professional)
    all_services = list(catalog_selectors.service_list(owner=owner).prefetch_related(None))
    form = ProfessionalForm(request.POST, services=all_services)
    if form.is_valid():
        try:
            services.professional_update(professional=professional, data=form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("dashboard:settings-professional", professional_id=professional.pk)
        professional = selectors.professional_get(owner=owner, professional_id=professional_id)
    return _professional_page(request, professional, form=form)


@login_required
@require_POST
def professional_active(request: HttpRequest, professional_id) -> HttpResponse:
    owner = request.user
    professional = selectors.professional_get(owner=owner, professional_id=professional_id)
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
        professional = selectors.professional_get(owner=owner, professional_id=professional_id)
    return _professional_page(request, professional, active_form=form, status=status)


@login_required
@require_POST
def professional_hours(request: HttpRequest, professional_id) -> HttpResponse:
    professional = selectors.professional_get(owner=request.user, professional_id=professional_id)
    form = WorkingHoursForm(request.POST, pairs=_hour_pairs(professional))
    if form.is_valid():
        try:
            services.working_hours_replace(professional=professional, intervals=form.intervals())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Weekly hours saved."))
            return redirect("dashboard:settings-professional", professional_id=professional.pk)
    return _professional_page(request, professional, hours_form=form)


@login_required
@require_POST
def time_off_create(request: HttpRequest) -> HttpResponse:
    owner = request.user
    form = TimeOffForm(request.POST, professionals=_professionals(owner))
    if form.is_valid():
        start, end = form.period(selectors.business_timezone(owner))
        try:
            services.time_off_create(
                owner=owner,
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
@require_POST
def time_off_delete(request: HttpRequest, time_off_id) -> HttpResponse:
    row = selectors.time_off_get(owner=request.user, time_off_id=time_off_id)
    services.time_off_delete(time_off=row)
    messages.success(request, _("Time off removed."))
    return redirect("dashboard:settings-agenda")


@login_required
@require_POST
def booking_rules(request: HttpRequest) -> HttpResponse:
    form = BookingRulesForm(request.POST)
    if form.is_valid():
        try:
            services.booking_rules_update(owner=request.user, data=form.rules())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Booking rules saved."))
            return redirect("dashboard:settings-agenda")
    return _settings(request, rules_form=form)
