"""Recurring series: book the same visit every N weeks, and cancel an occurrence with the following ones.

Each occurrence is an ordinary appointment booked by `appointment_book` in a savepoint of its
own, so one refused occurrence (a taken time, a closed day, the plan's limit) is reported and
the others are still booked. Occurrences keep the first one's wall-clock time in the business's
time zone (across a clock change the UTC offset moves, the local time does not) and its
professional: a client who comes every other week comes to the same person.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Business
from agendazap import events
from agendazap.errors import Conflict, PlanLimitExceeded
from agendazap.events import Actor
from scheduling import selectors
from scheduling.models import Appointment, AppointmentStatus, Professional, Series
from scheduling.services.booking import _change_status, _own_agenda_check, appointment_book
from scheduling.services.common import as_utc
from scheduling.services.rules import ACTIVE_STATUSES, VISIT_STATUSES, status_change_check

MAX_OCCURRENCES = 52
MAX_EVERY_WEEKS = 52
MAX_SPAN_DAYS = 365


class SkipCode:
    """Why an occurrence was not booked, for programs (the `reason` says it to people)."""

    TAKEN = "taken"
    UNAVAILABLE = "unavailable"
    PLAN_LIMIT = "plan_limit"


@dataclass(frozen=True)
class SkippedOccurrence:
    start_time: datetime
    code: str
    reason: str
    conflicts: list[dict] = field(default_factory=list)


@dataclass(frozen=True)
class SeriesBooking:
    series: Series
    appointments: list[Appointment]
    skipped: list[SkippedOccurrence]


class NothingBooked(Conflict):
    """No occurrence of a series could be booked (409): `skipped` says why, for each."""

    default_detail = gettext_lazy("No occurrence of the series could be booked.")


def occurrence_starts(
    start: datetime, *, every_weeks: int, count: int | None = None, until: date | None = None, tz
) -> list[datetime]:
    """The starts of a series in UTC: `start`'s local wall time every `every_weeks` weeks,
    `count` times or up to `until` (a date in the business's time zone, inclusive)."""
    wall = start.astimezone(tz).replace(tzinfo=None)
    starts = []
    for index in range(count if count is not None else MAX_OCCURRENCES + 1):
        local = wall + timedelta(weeks=every_weeks * index)
        if until is not None and local.date() > until:
            break
        starts.append(as_utc(local, tz))
    return starts


def recurrence_validate(*, start: datetime, every_weeks, count=None, until: date | None = None, tz) -> list[datetime]:
    """Check a recurrence (400 under `recurrence`, every problem at once) and return its starts."""
    problems = []
    if isinstance(every_weeks, bool) or not isinstance(every_weeks, int) or not 1 <= every_weeks <= MAX_EVERY_WEEKS:
        problems.append(_("every_weeks must be a whole number from 1 to %(max)d.") % {"max": MAX_EVERY_WEEKS})
    if (count is None) == (until is None):
        problems.append(_("Give exactly one of count (how many times) and until (the last date)."))
    elif count is not None and (
        isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_OCCURRENCES
    ):
        problems.append(_("count must be a whole number from 1 to %(max)d.") % {"max": MAX_OCCURRENCES})
    elif until is not None:
        first_day = start.astimezone(tz).date()
        if until < first_day:
            problems.append(_("until cannot be before the first appointment's date."))
        elif until > first_day + timedelta(days=MAX_SPAN_DAYS):
            problems.append(_("until must be within a year of the first appointment."))
    if problems:
        raise ValidationError({"recurrence": problems})
    starts = occurrence_starts(start, every_weeks=every_weeks, count=count, until=until, tz=tz)
    if len(starts) > MAX_OCCURRENCES:
        message = ngettext(
            "A series has at most %(max)d occurrence; book it in two.",
            "A series has at most %(max)d occurrences; book it in two.",
            MAX_OCCURRENCES,
        )
        raise ValidationError({"recurrence": [message % {"max": MAX_OCCURRENCES}]})
    return starts


def series_book(
    *,
    business: Business,
    actor: Actor,
    start_time: datetime,
    every_weeks,
    count=None,
    until: date | None = None,
    professional_id=None,
    professional_scope: Professional | None = None,
    status: str | None = None,
    now: datetime | None = None,
    **booking,
) -> SeriesBooking:
    """Book `start_time` and its repetitions, each on its own; report those that could not be.

    `booking` holds `appointment_book`'s other arguments (service, client, duration, notes...).
    What is wrong with the booking itself (the client, the service, the professional) is a 400
    for the whole series; what is wrong with one date (taken: its conflicts; outside hours or
    closed; the plan's limit, which skips every later one too) skips that date. When no date
    could be booked, nothing is kept and the answer is 409 `NothingBooked` with the skipped list.
    """
    now = now or timezone.now()
    tz = selectors.business_timezone(business)
    start = as_utc(start_time, tz)
    starts = recurrence_validate(start=start, every_weeks=every_weeks, count=count, until=until, tz=tz)
    if status in VISIT_STATUSES:
        raise ValidationError({"status": [_("A series is booked ahead: pending or confirmed.")]})
    booked: list[Appointment] = []
    skipped: list[SkippedOccurrence] = []
    with transaction.atomic():
        series = Series.objects.create(
            business=business, every_weeks=every_weeks, count=count, until=until, created_by_id=actor.user_id
        )
        plan_refusal = ""
        for occurrence in starts:
            if plan_refusal:
                skipped.append(SkippedOccurrence(occurrence, SkipCode.PLAN_LIMIT, plan_refusal))
                continue
            try:
                appointment = appointment_book(
                    business=business,
                    actor=actor,
                    start_time=occurrence,
                    # The first occurrence chooses (or is given) the professional; the others follow it.
                    professional_id=booked[0].professional_id if booked else professional_id,
                    professional_scope=professional_scope,
                    status=status,
                    now=now,
                    series=series,
                    **booking,
                )
            except Conflict as exc:
                skipped.append(
                    SkippedOccurrence(occurrence, SkipCode.TAKEN, str(exc.detail), exc.extra.get("conflicts", []))
                )
            except PlanLimitExceeded as exc:
                plan_refusal = str(exc.detail)
                skipped.append(SkippedOccurrence(occurrence, SkipCode.PLAN_LIMIT, plan_refusal))
            except ValidationError as exc:
                # Only a refusal of this date skips it; anything else is wrong for every date.
                if not hasattr(exc, "error_dict") or set(exc.message_dict) != {"start_time"}:
                    raise
                skipped.append(SkippedOccurrence(occurrence, SkipCode.UNAVAILABLE, exc.message_dict["start_time"][0]))
            else:
                booked.append(appointment)
        if not booked:
            # Leaving the transaction by this error drops the empty series.
            raise NothingBooked(skipped=[skipped_json(row, tz) for row in skipped])
        series.client_id = booked[0].client_id
        series.save(update_fields=["client"])
        events.emit(events.SeriesBooked(series=series, appointments=tuple(booked), actor=actor))
    return SeriesBooking(series=series, appointments=booked, skipped=skipped)


def skipped_json(row: SkippedOccurrence, tz) -> dict:
    """A skipped occurrence as the API and the dashboard show it (times in the business's zone)."""
    return {
        "start_time": row.start_time.astimezone(tz).isoformat(),
        "code": row.code,
        "reason": row.reason,
        "conflicts": row.conflicts,
    }


@transaction.atomic
def series_cancel_following(
    *,
    appointment: Appointment,
    actor: Actor,
    reason: str = "",
    professional_scope: Professional | None = None,
    now: datetime | None = None,
) -> list[Appointment]:
    """Cancel `appointment` and the later pending or confirmed occurrences of its series.

    The earlier ones and those already visited (completed, no-show) or cancelled stay as they
    are. The client is told once, naming the dates (`SeriesCancelled`). Returns the cancelled
    appointments in time order, `appointment` first.
    """
    now = now or timezone.now()
    _own_agenda_check(appointment, professional_scope)
    if appointment.series_id is None:
        raise ValidationError({"scope": [_("This appointment is not part of a series.")]})
    status_change_check(appointment, AppointmentStatus.CANCELLED, now=now)
    following = (
        Appointment.objects.select_for_update(of=("self",))
        .filter(
            series_id=appointment.series_id,
            start_time__gt=max(appointment.start_time, now),
            status__in=ACTIVE_STATUSES,
        )
        .exclude(pk=appointment.pk)
        .select_related("service", "professional", "business", "client")
        .order_by("start_time")
    )
    if professional_scope is not None:
        following = following.filter(professional=professional_scope)
    cancelled = [appointment, *following]
    for row in cancelled:
        _change_status(
            row,
            AppointmentStatus.CANCELLED,
            actor=actor,
            reason=reason,
            now=now,
            cancelled_event=events.SeriesOccurrenceCancelled,
        )
    events.emit(
        events.SeriesCancelled(
            series=appointment.series, appointments=tuple(cancelled), actor=actor, reason=(reason or "").strip()
        )
    )
    return cancelled
