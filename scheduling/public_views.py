"""The public booking page (`/b/<slug>/`) and the client's private manage page.

Server-rendered and usable without JavaScript; the same services as the dashboard and the API
do the work (appointment_book with source=public, the client cancel / reschedule rules).
"""

import calendar
from datetime import date, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from agendazap.errors import Conflict, Gone, PlanLimitExceeded, TooManyAttempts
from agendazap.events import Actor, Via
from agendazap.http import client_ip, page_for, shareable_page
from scheduling import calendar_links, selectors, services
from scheduling.models import AppointmentStatus
from scheduling.public_forms import PublicBookingForm, RescheduleForm, WaitlistJoinForm

MAP_SEARCH_URL = "https://www.google.com/maps/search/?api=1&query="


def business_page(request: HttpRequest, slug: str) -> HttpResponse:
    business = _business(request, slug)
    if isinstance(business, HttpResponse):
        return business
    services_list = selectors.services_public_list(business=business)
    categories: dict[str, list] = {}
    for service in services_list:
        categories.setdefault(service.category.name if service.category else "", []).append(service)
    address = ", ".join(line.strip() for line in business.address.splitlines() if line.strip())
    return render(
        request,
        "public/business.html",
        {
            "business": business,
            "logo": getattr(business, "logo", None),  # read with the business (selectors.business_public_get)
            "address": address,
            "map_url": MAP_SEARCH_URL + quote(address, safe="") if address else "",
            "week": selectors.business_week(business=business),
            "categories": categories,
            "show_prices": business.template_type == "service_table",
        },
    )


# The query parameters of the pages the calendar's links lead to, the same for every visitor.
# `with` names the services added to the visit (see `_visit_extras`: a page is shared only when
# it names bookable services, once each, as the page's own links write them).
SHARED_PAGE_PARAMS = frozenset({"date", "month", "professional", "with"})
SHARED_QUERY_MAX_LENGTH = 100


class _NotShared(Exception):
    """The page rendered is not one to keep for other visitors."""


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, slug: str, service_id) -> HttpResponse:
    """The service's month of free days and, for a day, its free times and the booking form.

    A plain visit (GET with only the calendar's own parameters) is rendered once a minute for
    everybody while the business's set-up and agenda stay as they are, and served with each
    visitor's own CSRF token: the page most clients load, at the cost of a cache read."""
    query = request.META.get("QUERY_STRING", "")
    if request.method == "POST" or set(request.GET) - SHARED_PAGE_PARAMS or len(query) > SHARED_QUERY_MAX_LENGTH:
        business = _business(request, slug)
        if isinstance(business, HttpResponse):
            return business
        return _book(request, business, service_id, now=timezone.now())[0]
    business_id = selectors.business_public_id(slug=slug)
    if business_id is None:
        return _unavailable(request)
    rendered = None

    def render_shared(as_of):
        nonlocal rendered
        business = selectors.business_public_get(slug=slug)
        rendered, shared = _book(request, business, service_id, now=as_of)
        if not shared:
            raise _NotShared
        return shareable_page(rendered)

    key = ("public-book", service_id, get_language(), query)
    try:
        page = selectors.availability_answer(business_id=business_id, key=key, compute=render_shared)
    except (_NotShared, Http404):
        return rendered or _unavailable(request)
    return rendered or page_for(request, page)


def _book(request: HttpRequest, business, service_id, now) -> tuple[HttpResponse, bool]:
    """The booking page as of `now`, and whether it is one any visitor reaches from the calendar's
    links (a known professional, a day and month within the booking horizon): only those are shared,
    so what is kept stays bounded whatever a query string holds."""
    service = selectors.service_public_get(business=business, service_id=service_id)
    if service is None:
        return render(
            request, "public/unavailable.html", {"business": business, "reason": "service"}, status=404
        ), False
    tz = ZoneInfo(business.timezone)
    timezone.activate(tz)
    extras, extras_as_linked = _visit_extras(request, business, service)
    visit_services = [service, *extras]
    professionals = [
        p
        for p in selectors.professionals_for_service(business=business, service=service)
        if all(p in selectors.professionals_for_service(business=business, service=extra) for extra in extras)
    ]
    chosen = request.POST.get("professional") or request.GET.get("professional") or ""
    professional = next((p for p in professionals if str(p.pk) == chosen), None)
    day = _date_param(request.POST.get("date") or request.GET.get("date"))

    form = PublicBookingForm(request.POST or None, initial={"professional": chosen})
    status, error = 200, ""
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["website"]:
            return HttpResponse(_("Your booking could not be processed."), status=400), False
        data = form.cleaned_data
        if extras:
            book, booking = services.visit_book_online, {"service_ids": [s.pk for s in visit_services]}
        else:
            book, booking = services.appointment_book_online, {"service_id": service.pk}
        try:
            booked = book(
                business=business,
                via=Via.PUBLIC_PAGE,
                ip_address=client_ip(request),
                **booking,
                start_time=data["start_time"],
                professional_id=professional.pk if professional else None,
                client_name=data["client_name"],
                client_whatsapp=data["client_whatsapp"],
                client_email=data["client_email"],
                notes=data["notes"],
                whatsapp_consent=data["consent_whatsapp"],
            )
        except Conflict:
            status = 409
            error = _("Sorry, someone has just booked this time. Please choose another one.")
            day = data["start_time"].astimezone(tz).date()
        except PlanLimitExceeded:
            return render(
                request, "public/unavailable.html", {"business": business, "reason": "plan"}, status=402
            ), False
        except TooManyAttempts as exc:
            response = render(
                request, "public/unavailable.html", {"business": business, "reason": "throttled"}, status=429
            )
            response["Retry-After"] = str(exc.retry_after)
            return response, False
        except ValidationError as exc:
            status = 400
            error = " ".join(exc.messages)
            day = data["start_time"].astimezone(tz).date()
        else:
            first = booked.parts[0] if extras else booked
            return redirect(reverse("public:manage", args=[business.slug, first.manage_token]) + "?new=1"), False
    elif request.method == "POST":
        status = 400
        if form.cleaned_data.get("start_time"):
            day = form.cleaned_data["start_time"].astimezone(tz).date()

    context = {
        "business": business,
        "service": service,
        "professionals": professionals,
        "professional": professional,
        "chosen": chosen,
        "form": form,
        "error": error,
        **_visit_context(business, visit_services),
        "waitlist_form": WaitlistJoinForm(initial={"date": day, "professional": chosen}),
    }
    slots, in_horizon = _calendar(
        context, business, visit_services, professional, day, request.GET.get("month"), tz, now
    )
    if day:
        context["slots"] = [slot.astimezone(tz) for slot in slots]
        # After a 409 the chosen time is gone: nothing stays selected.
        context["selected"] = "" if status == 409 else (request.POST.get("start_time") or request.GET.get("time"))
    shared = status == 200 and in_horizon and (professional is not None or not chosen) and extras_as_linked
    return render(request, "public/book.html", context, status=status), shared


def _visit_extras(request: HttpRequest, business, service) -> tuple[list, bool]:
    """The services added to the visit (`with`: ids, comma-separated, after the page's own service)
    that can be booked, once each, at most as many as a visit takes; and whether `with` named
    exactly those, as the page's links write it (only such a page is shared)."""
    raw = request.POST.get("with") or request.GET.get("with") or ""
    extras = []
    for service_id in raw.split(",") if raw else []:
        extra = selectors.service_public_get(business=business, service_id=service_id.strip())
        if extra is not None and extra != service and extra not in extras:
            extras.append(extra)
    extras = extras[: selectors.MAX_VISIT_SERVICES - 1]
    return extras, raw == ",".join(str(extra.pk) for extra in extras)


def _visit_context(business, visit_services: list) -> dict:
    """What the page shows of the visit: its services with the links that remove one, the total
    length and price, and the links that add another service."""
    ids = [str(s.pk) for s in visit_services[1:]]
    addable = []
    if len(visit_services) < selectors.MAX_VISIT_SERVICES:
        addable = [
            {"service": s, "with": ",".join([*ids, str(s.pk)])}
            for s in selectors.services_public_cached(business=business)
            if s not in visit_services
        ]
    prices = [s.price for s in visit_services if s.price is not None]
    return {
        "visit_with": ",".join(ids),
        "visit_parts": [{"service": s, "without": ",".join(i for i in ids if i != str(s.pk))} for s in visit_services],
        "visit_minutes": sum(s.duration for s in visit_services),
        "visit_price": sum(prices) if prices else None,
        "show_prices": business.template_type == "service_table",
        "addable": addable,
    }


@require_http_methods(["GET", "POST"])
def manage(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    appointment = selectors.appointment_by_manage_token(slug=slug, token=token)
    business = appointment.business
    tz = ZoneInfo(business.timezone)
    timezone.activate(tz)
    # A visit's link stands for the whole visit: cancelled and moved as one.
    in_visit = appointment.visit_id is not None
    cancel = services.visit_client_cancel if in_visit else services.appointment_client_cancel
    reschedule = services.visit_client_reschedule if in_visit else services.appointment_client_reschedule
    status, error, notice = 200, "", ""
    confirming_cancel = request.method == "GET" and request.GET.get("cancel") == "confirm"
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "confirm":
                services.appointment_client_confirm(appointment=appointment, actor=_client(appointment))
                notice = _("Thank you! The business knows you will come.")
            elif action == "cancel" and request.POST.get("confirm") != "yes":
                # Only the question's "Yes, cancel" cancels: anything else asks it (again).
                status, confirming_cancel = 400, True
            elif action == "cancel":
                cancel(appointment=appointment, actor=_client(appointment))
                notice = _("Your booking is cancelled. The business has been told.")
            elif action == "reschedule":
                form = RescheduleForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Choose one of the available times."))
                reschedule(
                    appointment=appointment, actor=_client(appointment), start_time=form.cleaned_data["start_time"]
                )
                notice = _("Your booking was moved. We sent you the new time.")
            else:
                raise ValidationError(_("Unknown action."))
        except Conflict:
            status, error = 409, _("Sorry, someone has just booked this time. Please choose another one.")
        except ValidationError as exc:
            status, error = 400, " ".join(exc.messages)
        if status == 200:
            appointment = selectors.appointment_by_manage_token(slug=slug, token=token)
    visit_parts = selectors.visit_parts_of(appointment=appointment) if in_visit else []
    active_parts = [part for part in visit_parts if part.status in services.ACTIVE_STATUSES]
    # What the page is about: the visit's first active part, or the booking itself.
    lead = active_parts[0] if active_parts else appointment
    rules = selectors.booking_rules_get(business=business)
    can_change = lead.status in (
        AppointmentStatus.PENDING,
        AppointmentStatus.CONFIRMED,
    ) and lead.start_time - timezone.now() >= timedelta(hours=rules.cancellation_notice_hours)
    if confirming_cancel and not can_change and not error:
        error = _("This booking can no longer be cancelled online.")
    active_ahead = appointment.status in services.ACTIVE_STATUSES and appointment.start_time > timezone.now()
    day = _date_param(request.GET.get("date"))
    context = {
        "can_confirm": active_ahead and appointment.client_confirmed_at is None,
        "appointment": appointment,
        "business": business,
        "new": request.GET.get("new") == "1" and request.method == "GET",
        "notice": notice,
        "error": error,
        "can_change": can_change,
        "confirming_cancel": confirming_cancel and can_change,
        "notice_hours": rules.cancellation_notice_hours,
        "google_calendar_url": calendar_links.google_calendar_url(appointment),
        "reschedule_day": day,
        "visit_parts": visit_parts,
        "lead": lead,
    }
    if active_parts:
        length, context["visit_price"] = services.visit_total(active_parts)
        context["visit_minutes"] = int(length.total_seconds() // 60)
    if can_change and day and in_visit:
        context["slots"] = [
            slot.astimezone(tz) for slot in selectors.visit_move_starts(business=business, parts=active_parts, day=day)
        ]
    elif can_change and day:
        context["slots"] = [
            slot.astimezone(tz)
            for slot in selectors.availability_get(
                business=business, service=appointment.service, day=day, professional=appointment.professional
            ).slots
            if slot != appointment.start_time
        ]
    return render(request, "public/manage.html", context, status=status)


def _client(appointment) -> Actor:
    return Actor.client(via=Via.MANAGE_LINK, name=appointment.client_name)


def ics(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    appointment = selectors.appointment_by_manage_token(slug=slug, token=token)
    response = HttpResponse(calendar_links.ics_for(appointment), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="agendamento.ics"'
    return response


def _business(request: HttpRequest, slug: str):
    try:
        return selectors.business_public_get(slug=slug)
    except Http404:
        return _unavailable(request)


def _unavailable(request: HttpRequest) -> HttpResponse:
    return render(request, "public/unavailable.html", {"reason": "business"}, status=404)


def _date_param(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _calendar(
    context: dict,
    business,
    visit_services: list,
    professional,
    day: date | None,
    month_param: str | None,
    tz: ZoneInfo,
    now,
) -> tuple[list, bool]:
    """Put in `context` a month grid whose days link to their free times (days without any are
    shown but not linked); return the free times of `day` (read with the month when it is in it),
    and whether the day and month asked for are within the booking horizon."""
    today = now.astimezone(tz).date()
    last = today + timedelta(days=selectors.booking_rules_cached(business=business).max_days_ahead)
    try:
        asked = date.fromisoformat(f"{month_param}-01") if month_param else (day or today).replace(day=1)
    except ValueError:
        asked = None
    month = min(max(asked or today, today.replace(day=1)), last.replace(day=1))
    in_horizon = asked == month and (day is None or today <= day <= last)
    month_days = calendar.monthrange(month.year, month.month)[1]
    first, final = max(month, today), min(month.replace(day=month_days), last)
    if len(visit_services) > 1:
        read, asked_for = selectors.visit_booking_calendar, {"services": visit_services}
    else:
        read, asked_for = selectors.booking_calendar, {"service": visit_services[0]}
    calendar_days = read(
        business=business,
        **asked_for,
        first_day=first,
        last_day=final,
        day=day,
        professional=professional,
        now=now,
    )
    open_days = calendar_days.open_days
    weeks = [
        [
            {
                "date": d,
                "in_month": d.month == month.month,
                "open": open_days.get(d, False),
                "full": d in calendar_days.full_days,
                "selected": d == day,
            }
            for d in week
        ]
        for week in calendar.Calendar(firstweekday=6).monthdatescalendar(month.year, month.month)
    ]
    previous = (month - timedelta(days=1)).replace(day=1)
    following = (month + timedelta(days=32)).replace(day=1)
    context.update(
        day=day,
        month=month,
        weeks=weeks,
        previous_month=previous.strftime("%Y-%m") if previous >= today.replace(day=1) else "",
        next_month=following.strftime("%Y-%m") if following <= last else "",
    )
    return calendar_days.slots or [], in_horizon


@require_http_methods(["GET", "POST"])
def waitlist_join(request: HttpRequest, slug: str, service_id) -> HttpResponse:
    """Let me know if a time frees up: the client joins the waitlist of the day they looked at
    (the form is on the booking page of a full day, and here for a day whose times do not suit)."""
    business = _business(request, slug)
    if isinstance(business, HttpResponse):
        return business
    service = selectors.service_public_get(business=business, service_id=service_id)
    if service is None:
        return render(request, "public/unavailable.html", {"business": business, "reason": "service"}, status=404)
    timezone.activate(ZoneInfo(business.timezone))
    if request.method == "GET":
        day = _date_param(request.GET.get("date"))
        form = WaitlistJoinForm(initial={"date": day, "professional": request.GET.get("professional", "")})
        context = {"business": business, "service": service, "form": form, "day": day}
        return render(request, "public/waitlist.html", context)
    form = WaitlistJoinForm(request.POST)
    context = {"business": business, "service": service, "form": form}
    if not form.is_valid():
        return render(request, "public/waitlist.html", context, status=400)
    data = form.cleaned_data
    if data["website"]:
        return HttpResponse(_("Your request could not be processed."), status=400)
    try:
        entry, _created = services.waitlist_join(
            business=business,
            ip_address=client_ip(request),
            service_id=service.pk,
            day=data["date"],
            professional_id=data["professional"] or None,
            window_from=data["window_from"],
            window_until=data["window_until"],
            client_name=data["client_name"],
            client_whatsapp=data["client_whatsapp"],
            consent_whatsapp=data["consent_whatsapp"],
        )
    except PlanLimitExceeded:
        return render(request, "public/unavailable.html", {"business": business, "reason": "plan"}, status=402)
    except TooManyAttempts as exc:
        response = render(request, "public/unavailable.html", {"business": business, "reason": "throttled"}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except ValidationError as exc:
        context["error"] = " ".join(exc.messages)
        return render(request, "public/waitlist.html", context, status=400)
    return render(request, "public/waitlist.html", {**context, "entry": entry})


@require_http_methods(["GET", "POST"])
def waitlist_claim(request: HttpRequest, slug: str, token: str) -> HttpResponse:
    """The waiting client's offer of a freed time: what, when, until when, and a button to book it."""
    offer = services.waitlist_offer_get(slug=slug, token=token)
    business = offer.entry.business
    timezone.activate(ZoneInfo(business.timezone))
    status, error = 200, ""
    if request.method == "POST":
        try:
            appointment = services.waitlist_claim(offer=offer, via=Via.PUBLIC_PAGE, ip_address=client_ip(request))
        except PlanLimitExceeded:
            return render(request, "public/unavailable.html", {"business": business, "reason": "plan"}, status=402)
        except TooManyAttempts as exc:
            response = render(
                request, "public/unavailable.html", {"business": business, "reason": "throttled"}, status=429
            )
            response["Retry-After"] = str(exc.retry_after)
            return response
        except (Conflict, Gone, ValidationError) as exc:
            status = getattr(exc, "status_code", 400)
            error = str(exc.detail) if hasattr(exc, "detail") else " ".join(exc.messages)
            offer = services.waitlist_offer_get(slug=slug, token=token)
        else:
            return redirect(reverse("public:manage", args=[business.slug, appointment.manage_token]) + "?new=1")
    elif (refusal := services.waitlist_claim_refusal(offer)) is not None:
        error = str(refusal.detail)
    context = {"business": business, "offer": offer, "entry": offer.entry, "error": error}
    return render(request, "public/waitlist_offer.html", context, status=status)
