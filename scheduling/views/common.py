"""What the dashboard's agenda pages share: who acts, today in the business's zone, slot choices."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from django.utils import timezone

from accounts.permissions import membership_for, professional_scope
from accounts.tenancy import actor
from agendazap.events import Actor, Via
from scheduling import selectors
from scheduling.models import Professional


def dashboard_actor(request: HttpRequest) -> Actor:
    return actor(request, via=Via.DASHBOARD)


def agenda_scope(request: HttpRequest) -> Professional | None:
    """The professional whose agenda the member works only (None: every professional's)."""
    return professional_scope(membership_for(request))


def business_today(business) -> date:
    return timezone.now().astimezone(selectors.business_timezone(business)).date()


def status_of(*forms) -> int:
    return 400 if any(form.errors for form in forms if form is not None) else 200


@dataclass(frozen=True)
class SlotChoice:
    """An offered start as the slot picker shows it: its exact instant, and the time to read."""

    value: str
    label: str


def slot_choices(slots: list[datetime], tz: ZoneInfo) -> list[SlotChoice]:
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


def business_professionals(
    business, *, include_inactive: bool = False, professional_scope: Professional | None = None
) -> list[Professional]:
    # For menus only: the selector's prefetches (hours, services) are not needed here.
    if professional_scope is not None:
        return [professional_scope]
    return list(
        selectors.professional_list(business=business, include_inactive=include_inactive).prefetch_related(None)
    )
