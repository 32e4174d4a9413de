"""The owner's calendar: a day (one column per professional) or a week, an empty time to book or
block, and moving an appointment (a form, or a drag in the grid that posts the same form).

The page loads the whole range in a constant number of queries (`selectors.calendar_data`) and
`scheduling.agenda_grid` lays it out. Every action works without JavaScript; static/js/calendar.js
opens the choices inline and moves blocks by dragging, through the same endpoints.
"""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import Action, permission_required
from agendazap.errors import DomainError
from agendazap.forms import add_domain_error, add_service_errors
from catalog import selectors as catalog_selectors
from scheduling import agenda_grid, selectors, services
from scheduling.forms import BlockTimeForm, CalendarForm, CalendarSlotForm, MoveForm
from scheduling.views.common import agenda_scope, business_professionals, business_today, dashboard_actor

WEEK_DAYS = 7


def calendar_url(day, *, view: str = CalendarForm.DAY, professional=None) -> str:
    query = {"view": view, "date": day.isoformat()}
    if professional:
        query["professional"] = str(professional)
    return f"{reverse('dashboard:agenda')}?{urlencode(query)}"


# --- The calendar ---------------------------------------------------------------------------------
@login_required
@permission_required(Action.AGENDA_VIEW_OWN)
@require_GET
def agenda(request: HttpRequest) -> HttpResponse:
    business = request.business
    scope = agenda_scope(request)
    tz = selectors.business_timezone(business)
    today = business_today(business)
    data = request.GET.copy()
    # Older links name the professional `professional_id`.
    if "professional_id" in data and "professional" not in data:
        data["professional"] = data.pop("professional_id")[0]
    if not data.get("date"):
        data["date"] = today.isoformat()
    # Inactive professionals too: one may still have appointments to see to.
    professionals = business_professionals(business, include_inactive=True, professional_scope=scope)
    form = CalendarForm(data, professionals=professionals)
    context = {"form": form, "today": today, "grid": None, "view": CalendarForm.DAY, "day": today}
    if not form.is_valid():
        return render(request, "scheduling/agenda.html", context, status=400)

    view = form.cleaned_data["view"] or CalendarForm.DAY
    day = form.cleaned_data["date"] or today
    chosen = form.cleaned_data["professional"]
    shown = [professional for professional in professionals if str(professional.pk) == chosen] or professionals
    if view == CalendarForm.WEEK:
        first_day = day - timedelta(days=day.weekday())
        days = [first_day + timedelta(days=n) for n in range(WEEK_DAYS)]
        step = timedelta(days=WEEK_DAYS)
    else:
        days, step = [day], timedelta(days=1)
    loaded = selectors.calendar_data(
        business=business,
        professionals=shown,
        first_day=days[0],
        last_day=days[-1],
        status=form.cleaned_data["status"] or None,
    )
    if not chosen:
        # Everyone active, and an inactive professional only on days it still has appointments.
        booked = {appointment.professional_id for appointment in loaded.appointments}
        shown = [professional for professional in shown if professional.is_active or professional.pk in booked]
    rules = selectors.booking_rules_get(business=business)
    grid = agenda_grid.build_grid(
        days=days,
        professionals=shown,
        by_professional=view == CalendarForm.DAY,
        work=loaded.work,
        time_off=loaded.time_off,
        appointments=loaded.appointments,
        tz=tz,
        row_minutes=agenda_grid.row_minutes_for(rules.slot_interval_minutes),
        now=timezone.now(),
    )
    # One professional of a week, or a member's own agenda: the cells know whose time they are.
    cell_professional = shown[0] if len(shown) == 1 else None
    context.update(
        {
            "grid": grid,
            "view": view,
            "day": day,
            "days": days,
            "previous_date": (day - step).isoformat(),
            "next_date": (day + step).isoformat(),
            "cell_professional": cell_professional,
            "appointments": loaded.appointments,
            "count": len(loaded.appointments),
        }
    )
    return render(request, "scheduling/agenda.html", context)


# --- An empty time: book there or block it --------------------------------------------------------
def _slot_page(request: HttpRequest, slot: CalendarSlotForm, block: BlockTimeForm | None, *, status: int = 200):
    business = request.business
    scope = agenda_scope(request)
    professionals = business_professionals(business, professional_scope=scope)
    context = {"slot": slot, "block_form": block, "start": None, "professional": None, "refusal": None}
    if slot.is_valid():
        start = slot.cleaned_data["start"]
        chosen = slot.cleaned_data["professional"] or (str(scope.pk) if scope else "")
        professional = next((pro for pro in professionals if str(pro.pk) == chosen), None)
        context.update(
            {
                "start": start,
                "professional": professional,
                "professionals": professionals,
                "services": list(
                    catalog_selectors.service_list(business=business, filters={"is_active": True}).prefetch_related(
                        None
                    )
                ),
                "back_url": calendar_url(start.date(), view=slot.cleaned_data["view"] or CalendarForm.DAY),
            }
        )
        if professional is not None:
            tz = selectors.business_timezone(business)
            aware = start.replace(tzinfo=tz)
            context["refusal"] = _outside_hours(business, professional, aware)
            # The professional's own blocks at this time can be lifted here; a closing of the
            # whole business stays in the settings.
            context["blocks"] = list(
                selectors.time_off_list(business=business).filter(
                    professional=professional, start_time__lte=aware, end_time__gt=aware
                )
            )
        if block is None:
            context["block_form"] = BlockTimeForm(
                initial={
                    "professional": chosen,
                    "start": start.strftime("%Y-%m-%dT%H:%M"),
                    "minutes": 60,
                    "view": slot.cleaned_data["view"],
                },
                professionals=professionals,
            )
    else:
        status = 400
    return render(request, "scheduling/agenda_slot.html", context, status=status)


def _outside_hours(business, professional, start, minutes: int = 15) -> str:
    """Why `minutes` from `start` (aware) would be a squeeze-in for `professional`: outside its
    working hours or in time off ("" when neither)."""
    tz = selectors.business_timezone(business)
    day = start.astimezone(tz).date()
    loaded = selectors.calendar_data(business=business, professionals=[professional], first_day=day, last_day=day)
    end = start + timedelta(minutes=minutes)
    if any(row.start_time < end and start < row.end_time for row in loaded.time_off):
        return _("Closed at this time (time off).")
    if not any(s <= start and end <= e for s, e in loaded.work.get((day, professional.pk), [])):
        return _("This time is outside %(name)s's working hours.") % {"name": professional.name}
    return ""


@login_required
@permission_required(Action.AGENDA_MANAGE)
@require_GET
def agenda_slot(request: HttpRequest) -> HttpResponse:
    scope = agenda_scope(request)
    slot = CalendarSlotForm(
        request.GET, professionals=business_professionals(request.business, professional_scope=scope)
    )
    return _slot_page(request, slot, None)


# Blocking a professional's time is agenda work (a receptionist does it at the counter, a
# professional on its own agenda); closing the whole business stays a settings action.
@login_required
@permission_required(Action.AGENDA_MANAGE)
@require_POST
def agenda_block(request: HttpRequest) -> HttpResponse:
    business = request.business
    tz = selectors.business_timezone(business)
    professionals = business_professionals(business, professional_scope=agenda_scope(request))
    form = BlockTimeForm(request.POST, professionals=professionals)
    if form.is_valid():
        start = form.cleaned_data["start"].replace(tzinfo=tz)
        end = start + timedelta(minutes=form.cleaned_data["minutes"])
        try:
            row = services.time_off_create(
                business=business,
                start_time=start,
                end_time=end,
                professional_id=form.cleaned_data["professional"],
                reason=form.cleaned_data["reason"] or _("Blocked in the calendar"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Time blocked: %(start)s–%(end)s for %(name)s. Nobody can book it online.") % _block_words(row, tz),
            )
            return redirect(calendar_url(start.date(), view=form.cleaned_data["view"] or CalendarForm.DAY))
    chosen = request.POST.get("professional", "")
    slot = CalendarSlotForm(
        {
            "start": request.POST.get("start", ""),
            "professional": chosen if any(str(pro.pk) == chosen for pro in professionals) else "",
            "view": form.cleaned_data.get("view", "") if hasattr(form, "cleaned_data") else "",
        },
        professionals=professionals,
    )
    return _slot_page(request, slot, form, status=400)


@login_required
@permission_required(Action.AGENDA_MANAGE)
@require_POST
def agenda_unblock(request: HttpRequest, time_off_id) -> HttpResponse:
    business = request.business
    row = selectors.time_off_get(business=business, time_off_id=time_off_id)
    scope = agenda_scope(request)
    if row.professional_id is None or (scope is not None and row.professional_id != scope.pk):
        raise Http404  # not a block of an agenda this member works on
    tz = selectors.business_timezone(business)
    day = row.start_time.astimezone(tz).date()
    services.time_off_delete(time_off=row)
    messages.success(
        request,
        _("Time unblocked: %(start)s–%(end)s for %(name)s.") % _block_words(row, tz),
    )
    view = CalendarForm.WEEK if request.POST.get("view") == CalendarForm.WEEK else CalendarForm.DAY
    return redirect(calendar_url(day, view=view))


def _block_words(row, tz) -> dict[str, str]:
    """A block's times and professional, as the messages about it say them."""
    return {
        "start": row.start_time.astimezone(tz).strftime("%H:%M"),
        "end": row.end_time.astimezone(tz).strftime("%H:%M"),
        "name": row.professional.name,
    }


# --- Moving an appointment ------------------------------------------------------------------------
def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@login_required
@permission_required(Action.AGENDA_MANAGE)
@require_http_methods(["GET", "POST"])
def appointment_move(request: HttpRequest, appointment_id) -> HttpResponse:
    business = request.business
    scope = agenda_scope(request)
    tz = selectors.business_timezone(business)
    appointment = selectors.appointment_get(business=business, appointment_id=appointment_id, professional_scope=scope)
    professionals = business_professionals(business, professional_scope=scope)
    local_start = appointment.start_time.astimezone(tz)
    initial = {
        "date": local_start.date(),
        "time": local_start.strftime("%H:%M"),
        "professional": str(appointment.professional_id),
    }
    if request.method == "POST":
        form = MoveForm(request.POST, professionals=professionals)
    else:
        # A link may propose the new place (?date=&time=&professional=); the form shows it to confirm.
        proposed = {key: request.GET[key] for key in ("date", "time", "professional") if request.GET.get(key)}
        form = MoveForm({**initial, **proposed} if proposed else None, initial=initial, professionals=professionals)
    status = 200
    conflicts, squeeze_in = [], ""
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.appointment_update(
                    appointment=appointment,
                    actor=dashboard_actor(request),
                    data={
                        "start_time": form.start(tz),
                        "professional_id": form.cleaned_data["professional"],
                        "outside_hours": form.cleaned_data["outside_hours"],
                    },
                    professional_scope=scope,
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
                if not form.cleaned_data["outside_hours"]:
                    squeeze_in = _move_squeeze_in(business, form, appointment, professionals, tz)
            except DomainError as exc:
                status = add_domain_error(form, exc)
                conflicts = selectors.appointment_conflicts(
                    appointment_ids=[row["id"] for row in getattr(form, "conflicts", [])]
                )
            else:
                start = appointment.start_time.astimezone(tz)
                summary = _("Moved: %(client)s on %(day)s at %(time)s with %(professional)s.") % {
                    "client": appointment.client_name,
                    "day": date_format(start, "SHORT_DATE_FORMAT"),
                    "time": start.strftime("%H:%M"),
                    "professional": appointment.professional.name,
                }
                if _wants_json(request):
                    return JsonResponse(
                        {
                            "ok": True,
                            "detail": summary,
                            "start_time": start.isoformat(),
                            "professional_id": str(appointment.professional_id),
                            "url": reverse("dashboard:agenda-detail", args=[appointment.pk]),
                        }
                    )
                messages.success(request, summary)
                return redirect(calendar_url(start.date()))
            # A refused move may have touched the object in memory: show what is stored.
            appointment = selectors.appointment_get(
                business=business, appointment_id=appointment_id, professional_scope=scope
            )
        if _wants_json(request):
            return JsonResponse({**_refusal_json(form, conflicts, tz), "squeeze_in": bool(squeeze_in)}, status=status)
    elif form.is_bound:
        form.is_valid()  # a proposed place with a bad value says so beside its field
        status = 400 if form.errors else 200
    context = {"appointment": appointment, "form": form, "conflicts": conflicts, "squeeze_in": squeeze_in}
    return render(request, "scheduling/appointment_move.html", context, status=status)


def _move_squeeze_in(business, form: MoveForm, appointment, professionals, tz) -> str:
    """Whether a refused move would pass as a squeeze-in: its new place is outside hours or blocked."""
    professional = next(pro for pro in professionals if str(pro.pk) == form.cleaned_data["professional"])
    return _outside_hours(business, professional, form.start(tz), appointment.duration_minutes)


def _refusal_json(form: MoveForm, conflicts, tz) -> dict:
    errors = {field: [str(message) for message in field_errors] for field, field_errors in form.errors.items()}
    detail = " ".join(message for field_errors in errors.values() for message in field_errors)
    return {
        "ok": False,
        "detail": detail,
        "errors": errors,
        "conflicts": [
            {
                "id": str(row.pk),
                "client_name": row.client_name,
                "start_time": row.start_time.astimezone(tz).isoformat(),
                "end_time": row.end_time.astimezone(tz).isoformat(),
                "time": f"{row.start_time.astimezone(tz):%H:%M}–{row.end_time.astimezone(tz):%H:%M}",
            }
            for row in conflicts
        ],
    }
