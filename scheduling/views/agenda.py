"""Dashboard pages of the agenda: a new appointment, one appointment and its actions.

Thin views: a form checks the shape of the input, then the same services and selectors the
API uses do the work. A service's ValidationError goes back on the form (400); a domain error
(409 taken time, 402 plan limit) is shown as the form's error with its own status.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import Action, permission_required
from agendazap.errors import Conflict, DomainError
from agendazap.events import ActorKind, Via
from agendazap.forms import add_domain_error, add_rule_errors, add_service_errors
from catalog import selectors as catalog_selectors
from crm import selectors as client_selectors
from scheduling import selectors, services
from scheduling.forms import (
    AppointmentBookForm,
    AppointmentCancelForm,
    AppointmentEditForm,
    AppointmentStatusForm,
    DateForm,
    RescheduleForm,
    SeriesCancelScopeForm,
    SeriesRepeatForm,
    SlotQueryForm,
    TimeFillForm,
    start_instant,
)
from scheduling.models import ActivityKind, Appointment, AppointmentActivity, AppointmentStatus
from scheduling.selectors import Availability
from scheduling.views.common import (
    agenda_scope,
    business_professionals,
    business_today,
    dashboard_actor,
    slot_choices,
    status_of,
)

STATUS_ACTIONS = (AppointmentStatus.CONFIRMED, AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW)


def _availability(business, query: SlotQueryForm, scope) -> Availability | None:
    """The free times for the service, professional and date of a valid step-one form."""
    data = query.cleaned_data
    try:
        if data["extra_service_ids"]:
            return _visit_availability(business, query, scope)
        service = selectors.service_bookable_get(business=business, service_id=data["service_id"])
        professional = None
        if data["professional_id"] or scope:
            professional = selectors.professional_bookable_get(
                business=business,
                professional_id=data["professional_id"] or scope.pk,
                service=service,
                professional_scope=scope,
            )
    except ValidationError as exc:
        add_service_errors(query, exc)
        return None
    return selectors.availability_get(business=business, service=service, day=data["date"], professional=professional)


def _visit_availability(business, query: SlotQueryForm, scope) -> Availability:
    """The free starts of the services back to back (a visit), as `_availability` for one."""
    data = query.cleaned_data
    visit_services = selectors.visit_services_get(business=business, service_ids=query.visit_service_ids())
    professional = None
    if data["professional_id"] or scope:
        professional = selectors.professional_bookable_get(
            business=business, professional_id=data["professional_id"] or scope.pk, professional_scope=scope
        )
    return selectors.visit_availability_get(
        business=business, services=visit_services, day=data["date"], professional=professional
    )


def _squeeze_in_reason(business, query: SlotQueryForm, availability: Availability, clock, tz) -> str:
    """Why the time chosen in the calendar needs the squeeze-in box ("" when it does not)."""
    professional = selectors.professional_get(business=business, professional_id=query.cleaned_data["professional_id"])
    service = availability.service
    return (
        selectors.start_refusal(
            business=business,
            professional=professional,
            service=service,
            start=start_instant(availability.day, clock, tz),
            duration_minutes=service.duration,
        )
        or ""
    )


def _client_details(business, client_id: str, scope) -> dict:
    """The booking form's client fields from one of the business's clients (404 when not one it sees)."""
    client = client_selectors.client_get(business=business, client_id=client_id, professional_scope=scope)
    return {"client_name": client.name, "client_whatsapp": client.whatsapp, "client_email": client.email}


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
@permission_required(Action.AGENDA_MANAGE)
@require_http_methods(["GET", "POST"])
def appointment_new(request: HttpRequest) -> HttpResponse:
    business = request.business
    scope = agenda_scope(request)
    tz = selectors.business_timezone(business)
    today = business_today(business)
    bookable = catalog_selectors.service_list(business=business, filters={"is_active": True}).prefetch_related(None)
    is_post = request.method == "POST"
    # ?client=<id> ("Book for this client"): step two starts with that client's details.
    step_one = request.GET.copy()
    client_id = step_one.pop("client", [""])[0]
    # ?time=HH:MM (an empty time clicked in the calendar): step two starts with that time typed.
    prefill = TimeFillForm({"time": step_one.pop("time", [""])[0]})
    prefill_time = prefill.cleaned_data["time"] if prefill.is_valid() else None
    # Without a service yet (a link from the calendar), the date and professional only fill step one.
    query = SlotQueryForm(
        request.POST if is_post else (step_one if "service_id" in step_one else None),
        services=list(bookable),
        professionals=business_professionals(business, professional_scope=scope),
        initial={"date": today, **{key: step_one[key] for key in ("date", "professional_id") if step_one.get(key)}},
    )
    availability = _availability(business, query, scope) if query.is_bound and query.is_valid() else None
    day = availability.day if availability is not None else None
    initial = _client_details(business, client_id, scope) if client_id and not is_post else {}
    squeeze_in = ""
    if prefill_time is not None and not is_post:
        initial["other_time"] = prefill_time
        if availability is not None and query.cleaned_data["professional_id"]:
            squeeze_in = _squeeze_in_reason(business, query, availability, prefill_time, tz)
    book = AppointmentBookForm(
        request.POST if is_post else None, past_day=day is not None and day < today, initial=initial or None
    )
    repeat = SeriesRepeatForm(request.POST if is_post else None)
    status = None
    known_client = None
    skipped = []
    if is_post and availability is not None and book.is_valid() and repeat.is_valid():
        step_one, step_two = query.cleaned_data, book.cleaned_data
        known_client = client_selectors.client_named_otherwise(
            business=business, whatsapp=step_two["client_whatsapp"], name=step_two["client_name"]
        )
        # Another name for a known number: the form comes back saying whose number it is and
        # asks first; a choice made about another client (the number changed since) asks again.
        asked = known_client is not None and step_two["known_client"] == known_client.pk
        choice = step_two["client_name_choice"] if asked else ""
        if known_client is None or choice:
            booking = {
                "business": business,
                "professional_id": step_one["professional_id"] or None,
                "start_time": book.start(step_one["date"], tz),
                "outside_hours": step_two["outside_hours"],
                "status": step_two["status"] or None,
                "client_name": step_two["client_name"],
                "client_whatsapp": step_two["client_whatsapp"],
                "client_email": step_two["client_email"],
                "notes": step_two["notes"],
                "rename_client": choice == "rename",
                "professional_scope": scope,
                "actor": dashboard_actor(request),
            }
            recurrence = repeat.recurrence()
            try:
                if recurrence is not None and step_one["extra_service_ids"]:
                    raise ValidationError(
                        {"recurrence": [_("A series repeats one service: book several services without repeating.")]}
                    )
                if recurrence is not None:
                    series_booking = services.series_book(service_id=step_one["service_id"], **booking, **recurrence)
                elif step_one["extra_service_ids"]:
                    appointment = _book_visit(service_ids=query.visit_service_ids(), **booking)
                else:
                    appointment = services.appointment_book(service_id=step_one["service_id"], **booking)
            except ValidationError as exc:
                _split_errors(_repeat_errors(exc, repeat), query, book)
            except DomainError as exc:
                status = add_domain_error(book, exc)
                skipped = _skipped_lines(exc.extra.get("skipped", []))
                availability = _availability(business, query, scope)  # fresh: the time just refused is gone
            else:
                if recurrence is not None:
                    return _series_booked(request, series_booking, tz)
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
    elif is_post:
        add_rule_errors(
            book,
            lambda fields: services.client_details_validate(
                client_name=fields.get("client_name"), client_whatsapp=fields.get("client_whatsapp")
            ),
        )
    context = {
        "query": query,
        "form": book,
        "availability": availability,
        "slots": slot_choices(availability.slots, tz) if availability is not None else [],
        "ask_visit_status": day is not None and day <= today,
        "chosen_time": book.data.get("start_time", "") if book.is_bound else "",
        "known_client": known_client,
        "client_id": client_id,
        "prefill_time": prefill_time,
        "squeeze_in": squeeze_in,
        "repeat": repeat,
        "skipped": skipped,
    }
    if availability is not None and query.cleaned_data["extra_service_ids"]:
        context["visit_services"] = selectors.visit_services_get(
            business=business, service_ids=query.visit_service_ids()
        )
        context["visit_minutes"] = sum(service.duration for service in context["visit_services"])
    return render(request, "scheduling/appointment_new.html", context, status=status or status_of(query, book, repeat))


def _repeat_errors(exc: ValidationError, repeat: SeriesRepeatForm) -> ValidationError:
    """Put a series' recurrence errors on the repeat fields; return the other errors, for their fields."""
    if not hasattr(exc, "error_dict") or "recurrence" not in exc.error_dict:
        return exc
    repeat.add_error(None, exc.message_dict["recurrence"])
    return ValidationError({field: errors for field, errors in exc.error_dict.items() if field != "recurrence"})


@dataclass(frozen=True)
class SkippedLine:
    """An occurrence of a series that was not booked, as the page says it."""

    start_time: datetime
    reason: str
    conflicts: list[dict]


def _skipped_lines(rows: list[dict]) -> list[SkippedLine]:
    return [
        SkippedLine(
            start_time=datetime.fromisoformat(row["start_time"]),
            reason=row["reason"],
            conflicts=row["conflicts"],
        )
        for row in rows
    ]


def _series_booked(request: HttpRequest, booking: services.SeriesBooking, tz) -> HttpResponse:
    """Say what was booked and, one by one, what was not and why; then show the first occurrence."""
    first = booking.appointments[0]
    dates = ", ".join(date_format(row.start_time.astimezone(tz), "SHORT_DATE_FORMAT") for row in booking.appointments)
    messages.success(
        request,
        ngettext(
            "Booked %(count)d appointment for %(client)s at %(time)s with %(professional)s: %(dates)s.",
            "Booked %(count)d appointments for %(client)s at %(time)s with %(professional)s: %(dates)s.",
            len(booking.appointments),
        )
        % {
            "count": len(booking.appointments),
            "client": first.client_name,
            "time": first.start_time.astimezone(tz).strftime("%H:%M"),
            "professional": first.professional.name,
            "dates": dates,
        },
    )
    for row in booking.skipped:
        start = row.start_time.astimezone(tz)
        messages.warning(
            request,
            _("Not booked on %(day)s at %(time)s: %(reason)s")
            % {"day": date_format(start, "SHORT_DATE_FORMAT"), "time": start.strftime("%H:%M"), "reason": row.reason},
        )
    return redirect("dashboard:agenda-detail", appointment_id=first.pk)


def _book_visit(**booking) -> Appointment:
    """Book the visit; the page goes on with its first part (the part's page shows the rest)."""
    return services.visit_book(**booking).parts[0]


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
    business = request.business
    allowed = services.ALLOWED_TRANSITIONS.get(appointment.status, set())
    started = appointment.start_time <= timezone.now()
    settable = services.allowed_statuses(appointment, now=timezone.now())
    visit_recorded = appointment.status in services.VISIT_STATUSES
    # Back to confirmed from a recorded visit is an undo, offered as such, not as "Confirm".
    actions = [] if visit_recorded else [action for action in STATUS_ACTIONS if action in settable]
    movable = appointment.status in services.ACTIVE_STATUSES

    # The reschedule step: a date (from the GET picker or the POST that failed), then its free times.
    day = None
    if reschedule_form is not None and reschedule_form.is_bound:
        day = getattr(reschedule_form, "cleaned_data", {}).get("date")
    date_form = DateForm(
        request.GET if "date" in request.GET else None,
        initial={"date": day or appointment.start_time.astimezone(selectors.business_timezone(business)).date()},
    )
    if day is None and date_form.is_bound and date_form.is_valid():
        day = date_form.cleaned_data["date"]
    slots = None
    if movable and day is not None:
        slots = selectors.availability_get(
            business=business,
            service=appointment.service,
            day=day,
            professional=appointment.professional,
            duration_minutes=appointment.duration_minutes,
        ).slots
    tz = selectors.business_timezone(business)
    series = selectors.series_view(appointment=appointment)
    context = {
        "appointment": appointment,
        "series": series,
        **_following_context(series, appointment, tz),
        "scope_form": SeriesCancelScopeForm(),
        "activity": [_activity_line(row) for row in selectors.appointment_activity_list(appointment=appointment)],
        "status_actions": actions,
        "can_undo": visit_recorded and AppointmentStatus.CONFIRMED in settable,
        "waiting_to_start": not started and AppointmentStatus.COMPLETED in allowed,
        "can_cancel": AppointmentStatus.CANCELLED in allowed,
        "client_told": appointment.start_time > timezone.now(),
        "movable": movable,
        "status_form": status_form or AppointmentStatusForm(),
        "cancel_form": cancel_form or AppointmentCancelForm(),
        "reschedule_form": reschedule_form or RescheduleForm(),
        "date_form": date_form,
        "reschedule_day": day,
        "slots": slot_choices(slots, tz) if slots is not None else None,
        "chosen_time": reschedule_form.data.get("start_time", "") if reschedule_form is not None else "",
        **_visit_of(appointment),
    }
    if status == 200:
        status = status_of(date_form)
    return render(request, "scheduling/appointment_detail.html", context, status=status)


def _following_context(series: selectors.SeriesView | None, appointment: Appointment, tz) -> dict:
    """What a "this one and the following" cancel would also cancel, for the cancel question."""
    following = series.following(appointment) if series else []
    dates = ", ".join(date_format(row.start_time.astimezone(tz), "SHORT_DATE_FORMAT") for row in following)
    return {"series_following": following, "series_following_dates": dates}


def _visit_of(appointment: Appointment) -> dict:
    """The visit the appointment is a part of, for its card: every part, the totals of the active
    ones, and whether any is left to cancel (nothing for an appointment on its own)."""
    if appointment.visit_id is None:
        return {}
    parts = selectors.visit_parts_of(appointment=appointment)
    active = [part for part in parts if part.status in services.ACTIVE_STATUSES]
    length, price = services.visit_total(active)
    return {
        "visit_parts": parts,
        "visit_minutes": int(length.total_seconds() // 60),
        "visit_price": price,
        "visit_cancellable": bool(active),
    }


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
    elif row.kind == ActivityKind.UNDONE and details.get("from") in AppointmentStatus.values:
        notes = [_("It had been marked “%(status)s”.") % {"status": AppointmentStatus(details["from"]).label}]
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
@permission_required(Action.AGENDA_VIEW_OWN)
@require_GET
def appointment_detail(request: HttpRequest, appointment_id) -> HttpResponse:
    appointment = selectors.appointment_get(
        business=request.business, appointment_id=appointment_id, professional_scope=agenda_scope(request)
    )
    return _detail(request, appointment)


@login_required
@permission_required(Action.AGENDA_MANAGE)
@require_POST
def appointment_status(request: HttpRequest, appointment_id) -> HttpResponse:
    appointment = selectors.appointment_get(
        business=request.business, appointment_id=appointment_id, professional_scope=agenda_scope(request)
    )
    form = AppointmentStatusForm(request.POST)
    previous = appointment.status
    status = 400
    if form.is_valid():
        try:
            services.appointment_set_status(
                appointment=appointment, actor=dashboard_actor(request), status=form.cleaned_data["status"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            status = add_domain_error(form, exc)
        else:
            if previous in services.VISIT_STATUSES:
                text = _("Undone: the appointment is confirmed again.")
            else:
                text = _("Status changed to “%(status)s”.") % {"status": appointment.get_status_display()}
            messages.success(request, text)
            return redirect("dashboard:agenda-detail", appointment_id=appointment.pk)
        appointment = selectors.appointment_get(
            business=request.business, appointment_id=appointment_id, professional_scope=agenda_scope(request)
        )
    return _detail(request, appointment, status_form=form, status=status)


@login_required
@permission_required(Action.AGENDA_MANAGE)
@require_http_methods(["GET", "POST"])
def appointment_cancel(request: HttpRequest, appointment_id) -> HttpResponse:
    """Ask first (GET, or a POST without `confirm`: 400 with the question), then cancel."""
    appointment = selectors.appointment_get(
        business=request.business, appointment_id=appointment_id, professional_scope=agenda_scope(request)
    )
    if request.method == "GET":
        if AppointmentStatus.CANCELLED not in services.ALLOWED_TRANSITIONS.get(appointment.status, set()):
            messages.info(request, _("This appointment can no longer be cancelled."))
            return redirect("dashboard:agenda-detail", appointment_id=appointment.pk)
        return _cancel_page(request, appointment, AppointmentCancelForm())
    form = AppointmentCancelForm(request.POST)
    scope_form = SeriesCancelScopeForm(request.POST)
    status = 400
    if form.is_valid() and scope_form.is_valid() and not form.cleaned_data["confirm"]:
        return _cancel_page(request, appointment, form, scope_form=scope_form, status=400)
    if form.is_valid() and scope_form.is_valid():
        following = scope_form.cleaned_data["scope"] == "future"
        try:
            if following:
                cancelled = services.series_cancel_following(
                    appointment=appointment,
                    actor=dashboard_actor(request),
                    reason=form.cleaned_data["reason"],
                    professional_scope=agenda_scope(request),
                )
            else:
                services.appointment_cancel(
                    appointment=appointment, actor=dashboard_actor(request), reason=form.cleaned_data["reason"]
                )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            status = add_domain_error(form, exc)
        else:
            if following:
                tz = selectors.business_timezone(request.business)
                text = ngettext(
                    "%(count)d appointment cancelled (%(dates)s). Its time is free again.",
                    "%(count)d appointments cancelled (%(dates)s). Their times are free again.",
                    len(cancelled),
                ) % {
                    "count": len(cancelled),
                    "dates": ", ".join(
                        date_format(row.start_time.astimezone(tz), "SHORT_DATE_FORMAT") for row in cancelled
                    ),
                }
            else:
                text = _("Appointment cancelled. Its time is free again.")
            messages.success(request, text)
            return redirect("dashboard:agenda-detail", appointment_id=appointment.pk)
        appointment = selectors.appointment_get(
            business=request.business, appointment_id=appointment_id, professional_scope=agenda_scope(request)
        )
    return _detail(request, appointment, cancel_form=form, status=status)


def _cancel_page(
    request: HttpRequest,
    appointment: Appointment,
    form: AppointmentCancelForm,
    *,
    scope_form: SeriesCancelScopeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    series = selectors.series_view(appointment=appointment)
    context = {
        "appointment": appointment,
        "cancel_form": form,
        "scope_form": scope_form or SeriesCancelScopeForm(),
        **_following_context(series, appointment, selectors.business_timezone(request.business)),
        "client_told": appointment.start_time > timezone.now(),
        "unconfirmed": request.method == "POST",
    }
    return render(request, "scheduling/appointment_cancel.html", context, status=status)


@login_required
@permission_required(Action.AGENDA_MANAGE)
@require_POST
def appointment_reschedule(request: HttpRequest, appointment_id) -> HttpResponse:
    business = request.business
    appointment = selectors.appointment_get(
        business=business, appointment_id=appointment_id, professional_scope=agenda_scope(request)
    )
    form = RescheduleForm(request.POST)
    status = 400
    if form.is_valid():
        tz = selectors.business_timezone(business)
        start = start_instant(form.cleaned_data["date"], form.cleaned_data["start_time"], tz)
        try:
            services.appointment_update(
                appointment=appointment, actor=dashboard_actor(request), data={"start_time": start}
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            status = add_domain_error(form, exc)
        else:
            messages.success(request, _("Appointment moved."))
            return redirect("dashboard:agenda-detail", appointment_id=appointment.pk)
        # A refused move may have touched the object in memory: show what is stored.
        appointment = selectors.appointment_get(
            business=business, appointment_id=appointment_id, professional_scope=agenda_scope(request)
        )
    return _detail(request, appointment, reschedule_form=form, status=status)


# --- Changing an appointment ----------------------------------------------------------------------
# Where a refusal from `appointment_update` is shown on the edit form.
EDIT_ERROR_FIELD = {"status": "start_time", "duration": "service_id"}


@login_required
@permission_required(Action.AGENDA_MANAGE)
@require_http_methods(["GET", "POST"])
def appointment_edit(request: HttpRequest, appointment_id) -> HttpResponse:
    """Change the service, professional, time or notes in one update, with only what changed."""
    business = request.business
    scope = agenda_scope(request)
    appointment = selectors.appointment_get(business=business, appointment_id=appointment_id, professional_scope=scope)
    tz = selectors.business_timezone(business)
    form = _edit_form(request, appointment, scope, tz)
    status = None
    if request.method == "POST" and form.is_valid():
        changes = form.changes(appointment, tz)
        if not changes:
            messages.info(request, _("Nothing was changed."))
            return redirect("dashboard:agenda-detail", appointment_id=appointment.pk)
        try:
            services.appointment_update(
                appointment=appointment, actor=dashboard_actor(request), data=changes, professional_scope=scope
            )
        except ValidationError as exc:
            _edit_errors(form, exc)
        except Conflict as exc:
            status = _edit_conflict(form, exc, changes)
        except DomainError as exc:
            status = add_domain_error(form, exc)
        else:
            messages.success(request, _("Appointment changed."))
            return redirect("dashboard:agenda-detail", appointment_id=appointment.pk)
        # A refused change may have touched the object in memory: show what is stored.
        appointment = selectors.appointment_get(
            business=business, appointment_id=appointment_id, professional_scope=scope
        )
    context = {"appointment": appointment, "form": form, "movable": form.movable}
    return render(request, "scheduling/appointment_edit.html", context, status=status or status_of(form))


def _edit_form(request: HttpRequest, appointment: Appointment, scope, tz) -> AppointmentEditForm:
    """The form with the bookable services and professionals, and the appointment's own even if
    no longer offered (an untouched field is then left as it is)."""
    bookable = list(
        catalog_selectors.service_list(business=request.business, filters={"is_active": True}).prefetch_related(None)
    )
    if appointment.service not in bookable:
        bookable.append(appointment.service)
    professionals = business_professionals(request.business, professional_scope=scope)
    if appointment.professional not in professionals:
        professionals.append(appointment.professional)
    return AppointmentEditForm(
        request.POST if request.method == "POST" else None,
        initial=AppointmentEditForm.initial_for(appointment, tz),
        services=bookable,
        professionals=professionals,
        movable=appointment.status in services.ACTIVE_STATUSES,
    )


def _edit_errors(form: AppointmentEditForm, exc: ValidationError) -> None:
    """Put each refusal beside the field the owner changed for it."""
    if not hasattr(exc, "error_dict"):
        add_service_errors(form, exc)
        return
    for field, field_messages in exc.message_dict.items():
        field = EDIT_ERROR_FIELD.get(field, field)
        form.add_error(field if field in form.fields else None, field_messages)


def _edit_conflict(form: AppointmentEditForm, exc: Conflict, changes: dict) -> int:
    """A taken time: beside what was changed (the time, else the professional, else the service
    that made it longer), naming the appointments in the way."""
    field = next(name for name in ("start_time", "professional_id", "service_id") if name in changes)
    form.add_error(field, str(exc.detail))
    form.conflict_field = field
    form.conflicts = selectors.appointment_conflicts(appointment_ids=[row["id"] for row in exc.extra["conflicts"]])
    return exc.status_code
