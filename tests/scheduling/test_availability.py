"""Availability: which start times a business offers, honouring every rule.

Most tests pin "now" a few days before the day asked about, so results do not depend on the
clock; the last tests check that what is offered is exactly what can be booked.
"""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from agendazap.errors import Conflict
from scheduling import selectors, services
from scheduling.models import AppointmentStatus, TimeOff
from tests.factories import BusinessFactory, ProfessionalFactory, ServiceFactory
from tests.helpers import as_client, as_owner, at, local_times, set_hours, set_rules

pytestmark = pytest.mark.django_db

HOURLY_9_TO_17 = [f"{hour:02d}:00" for hour in range(9, 18)]


def slots(business, service, day, *, now, professional=None, duration=None, tz=None):
    result = selectors.availability_get(
        business=business, service=service, day=day, professional=professional, duration_minutes=duration, now=now
    )
    return local_times(result.slots, tz or ZoneInfo(business.timezone))


@pytest.fixture
def now(monday):
    return at(monday - timedelta(days=3), 8)


@pytest.fixture(autouse=True)
def _grid_of_the_service_length(business):
    """These tests read the grid a business gets with an empty slot interval: a start every
    service length. A new business's 15-minute default has a test of its own."""
    set_rules(business, slot_interval_minutes=None)


def book(business, service, start, *, actor=None, **extra):
    fields = {"client_name": "Ana", "client_whatsapp": "(11) 98888-1111", **extra}
    return services.appointment_book(
        business=business, actor=actor or as_owner(business), service_id=service.pk, start_time=start, **fields
    )


def test_a_new_business_offers_a_start_every_15_minutes(monday, now):
    fresh = BusinessFactory()  # as sign-up leaves it (the other tests empty the interval)
    haircut = ServiceFactory(business=fresh, duration=60)
    slots = selectors.availability_get(business=fresh, service=haircut, day=monday, now=now).slots
    assert local_times(slots)[:5] == ["09:00", "09:15", "09:30", "09:45", "10:00"]
    assert local_times(slots)[-1] == "17:00"  # the last hour still fits before 18:00


def test_a_new_business_offers_its_default_week(business, service, monday, now):
    assert slots(business, service, monday, now=now) == HOURLY_9_TO_17
    saturday = monday + timedelta(days=5)
    assert slots(business, service, saturday, now=now) == ["09:00", "10:00", "11:00", "12:00"]


def test_a_day_without_hours_offers_nothing(business, service, monday, now):
    sunday = monday + timedelta(days=6)
    assert slots(business, service, sunday, now=now) == []


def test_a_break_splits_the_day_and_nothing_straddles_it(business, service, pro, monday, now):
    set_hours(pro, 0, ("09:00", "12:00"), ("13:00", "18:00"))
    set_rules(business, slot_interval_minutes=30)
    offered = slots(business, service, monday, now=now)
    assert "11:00" in offered
    assert "11:30" not in offered  # would end 12:30, inside the break
    assert "12:00" not in offered and "12:30" not in offered
    assert offered[offered.index("11:00") + 1] == "13:00"


def test_the_last_slot_ends_by_closing_time(business, pro, monday, now):
    long_service = ServiceFactory(business=business, duration=90)
    set_rules(business, slot_interval_minutes=30)
    offered = slots(business, long_service, monday, now=now)
    assert offered[-1] == "16:30"


def test_slot_interval_shorter_than_the_service(business, service, monday, now):
    set_rules(business, slot_interval_minutes=15)
    offered = slots(business, service, monday, now=now)
    assert offered[:3] == ["09:00", "09:15", "09:30"]
    assert offered[-1] == "17:00"
    assert len(offered) == 33


def test_a_custom_duration_keeps_the_services_grid(business, service, monday, now):
    assert slots(business, service, monday, now=now, duration=120) == [f"{h:02d}:00" for h in range(9, 17)]


def test_buffer_after_an_appointment_blocks_both_sides(business, service, monday, now):
    set_rules(business, slot_interval_minutes=15, buffer_minutes=15)
    book(business, service, at(monday, 10), now=now)
    offered = slots(business, service, monday, now=now)
    # 09:00 + 60 min + 15 min buffer reaches 10:15 and would overlap the 10:00 booking.
    assert "09:00" not in offered
    assert not any("09:15" <= t <= "11:00" for t in offered)
    assert "11:15" in offered


def test_a_pending_booking_blocks_its_slot_like_a_confirmed_one(business, service, monday, now):
    book(business, service, at(monday, 10), now=now, status=AppointmentStatus.PENDING)
    book(business, service, at(monday, 11), now=now, status=AppointmentStatus.CONFIRMED)
    offered = slots(business, service, monday, now=now)
    assert "10:00" not in offered and "11:00" not in offered


def test_a_cancelled_booking_frees_its_slot(business, service, monday, now):
    appointment = book(business, service, at(monday, 10), now=now)
    services.appointment_cancel(appointment=appointment, actor=as_owner(appointment.business))
    assert "10:00" in slots(business, service, monday, now=now)


def test_minimum_notice_hides_slots_too_soon(business, service, monday):
    now = at(monday, 9, 20)
    # 60 minutes' notice by default: 10:00 is too soon, 11:00 is fine.
    assert slots(business, service, monday, now=now)[0] == "11:00"
    set_rules(business, min_notice_minutes=0)
    assert slots(business, service, monday, now=now)[0] == "10:00"


def test_nothing_beyond_the_maximum_days_ahead(business, service, monday, now):
    set_rules(business, max_days_ahead=7)
    assert slots(business, service, monday + timedelta(days=7), now=now) == []
    assert slots(business, service, monday + timedelta(days=1), now=now) == HOURLY_9_TO_17


def test_a_fully_booked_day_offers_nothing(business, service, monday, now):
    for hour in range(9, 18):
        book(business, service, at(monday, hour), now=now)
    assert slots(business, service, monday, now=now) == []


def test_a_service_longer_than_any_free_gap_offers_nothing(business, service, monday, now):
    for hour in (11, 14):
        book(business, service, at(monday, hour), now=now)
    five_hours = ServiceFactory(business=business, duration=300)
    assert slots(business, five_hours, monday, now=now) == []
    two_hours = ServiceFactory(business=business, duration=120)
    assert slots(business, two_hours, monday, now=now) == ["09:00", "15:00"]


def test_business_time_off_closes_everyone(business, service, monday, now):
    ProfessionalFactory(business=business)
    TimeOff.objects.create(business=business, start_time=at(monday, 13), end_time=at(monday, 23), reason="Meio período")
    assert slots(business, service, monday, now=now) == ["09:00", "10:00", "11:00", "12:00"]


def test_a_holiday_closes_the_whole_day(business, service, monday, now):
    TimeOff.objects.create(business=business, start_time=at(monday, 0), end_time=at(monday + timedelta(days=1), 0))
    assert slots(business, service, monday, now=now) == []


def test_a_professionals_vacation_leaves_the_others_bookable(business, service, pro, monday, now):
    colleague = ProfessionalFactory(business=business, name="Bia")
    set_hours(colleague, 0, ("14:00", "16:00"))
    TimeOff.objects.create(business=business, professional=pro, start_time=at(monday, 0), end_time=at(monday, 23))
    assert slots(business, service, monday, now=now) == ["14:00", "15:00"]
    assert slots(business, service, monday, now=now, professional=pro) == []


def test_any_professional_offers_a_time_while_one_of_them_is_free(business, service, pro, monday, now):
    colleague = ProfessionalFactory(business=business)
    set_hours(colleague, 0, ("09:00", "18:00"))
    book(business, service, at(monday, 10), now=now, professional_id=pro.pk)
    assert "10:00" in slots(business, service, monday, now=now)
    assert "10:00" not in slots(business, service, monday, now=now, professional=pro)
    assert "10:00" in slots(business, service, monday, now=now, professional=colleague)


def test_only_assigned_professionals_are_offered(business, service, pro, monday, now):
    specialist = ProfessionalFactory(business=business)
    set_hours(specialist, 0, ("15:00", "17:00"))
    specialist.services.add(service)
    assert slots(business, service, monday, now=now) == ["15:00", "16:00"]


# --- Time zones and clock changes --------------------------------------------------------------
NEW_YORK = ZoneInfo("America/New_York")
SPRING_FORWARD = date(2027, 3, 14)  # 02:00 EST becomes 03:00 EDT
FALL_BACK = date(2027, 11, 7)  # 02:00 EDT becomes 01:00 EST


@pytest.fixture
def new_york_owner(business, pro):
    business.timezone = "America/New_York"
    business.save(update_fields=["timezone"])
    set_hours(pro, 6, ("00:00", "05:00"))  # both days are Sundays
    set_rules(business, max_days_ahead=730)
    return business


def test_spring_forward_day_offers_only_real_hours(new_york_owner, service):
    now = at(SPRING_FORWARD - timedelta(days=2), 12, tz=NEW_YORK)
    result = selectors.availability_get(business=new_york_owner, service=service, day=SPRING_FORWARD, now=now)
    # 00:00-05:00 on this day is four real hours: 02:00 does not exist.
    assert local_times(result.slots, NEW_YORK) == ["00:00", "01:00", "03:00", "04:00"]
    assert [slot.astimezone(NEW_YORK).utcoffset() for slot in result.slots] == [timedelta(hours=-5)] * 2 + [
        timedelta(hours=-4)
    ] * 2


def test_fall_back_day_offers_the_repeated_hour_twice(new_york_owner, service):
    now = at(FALL_BACK - timedelta(days=2), 12, tz=NEW_YORK)
    result = selectors.availability_get(business=new_york_owner, service=service, day=FALL_BACK, now=now)
    assert local_times(result.slots, NEW_YORK) == ["00:00", "01:00", "01:00", "02:00", "03:00", "04:00"]
    assert len({slot.timestamp() for slot in result.slots}) == 6


def test_the_day_after_a_clock_change_is_back_to_normal(new_york_owner, service, pro):
    set_hours(pro, 0, ("09:00", "12:00"))
    monday = SPRING_FORWARD + timedelta(days=1)
    now = at(SPRING_FORWARD - timedelta(days=2), 12, tz=NEW_YORK)
    result = selectors.availability_get(business=new_york_owner, service=service, day=monday, now=now)
    assert local_times(result.slots, NEW_YORK) == ["09:00", "10:00", "11:00"]
    assert result.slots[0].astimezone(NEW_YORK).utcoffset() == timedelta(hours=-4)


def test_slots_are_in_the_business_zone_not_the_servers(business, service, monday, now):
    business.timezone = "America/Manaus"  # one hour behind São Paulo
    business.save(update_fields=["timezone"])
    result = selectors.availability_get(business=business, service=service, day=monday, now=now)
    assert result.slots[0] == at(monday, 9, tz=ZoneInfo("America/Manaus"))
    assert local_times(result.slots)[0] == "10:00"  # what São Paulo's clock shows


# --- What is offered is exactly what can be booked -------------------------------------------------
class Rollback(Exception):
    pass


def bookable(business, service, start, now) -> bool:
    try:
        with transaction.atomic():
            book(business, service, start, now=now, actor=as_client())
            raise Rollback
    except Rollback:
        return True
    except (ValidationError, Conflict):
        return False


def test_every_offered_slot_is_bookable_and_no_other_time_is(business, service, pro, monday, now):
    set_hours(pro, 0, ("09:00", "12:00"), ("13:30", "17:00"))
    set_rules(business, slot_interval_minutes=30, buffer_minutes=10)
    book(business, service, at(monday, 10), now=now)
    TimeOff.objects.create(business=business, start_time=at(monday, 15), end_time=at(monday, 15, 30))

    offered = set(selectors.availability_get(business=business, service=service, day=monday, now=now).slots)
    assert offered
    start = at(monday, 7)
    while start < at(monday, 19):
        assert bookable(business, service, start, now) == (start in offered), start.strftime("%H:%M")
        start += timedelta(minutes=5)


@translation.override("en")
def test_booking_a_time_not_offered_says_why(business, service, monday, now):
    book(business, service, at(monday, 10), now=now)
    with pytest.raises(Conflict) as conflict:
        book(business, service, at(monday, 10), now=now, actor=as_client())
    assert conflict.value.extra["conflicts"][0]["start_time"].startswith(f"{monday.isoformat()}T10:00:00-03:00")
    with pytest.raises(ValidationError, match="outside working hours"):
        book(business, service, at(monday, 19), now=now, actor=as_client())
    with pytest.raises(ValidationError, match="available times"):
        book(business, service, at(monday, 11, 10), now=now, actor=as_client())
    with pytest.raises(ValidationError, match="past"):
        book(business, service, at(monday, 11), now=at(monday, 12), actor=as_client())


def test_the_business_books_any_minute_inside_hours_and_outside_them_only_when_asked(business, service, monday, now):
    phone_call = book(business, service, at(monday, 10, 10), now=now)  # "can you come at 10:10?"
    assert phone_call.start_time == at(monday, 10, 10)
    with pytest.raises(ValidationError) as outside:
        book(business, service, at(monday, 19), now=now, client_whatsapp="11988880000")
    assert "start_time" in outside.value.message_dict
    encaixe = book(business, service, at(monday, 19), now=now, client_whatsapp="11988880000", outside_hours=True)
    assert encaixe.start_time == at(monday, 19)


def test_an_overlap_is_a_conflict_before_any_other_reason(business, service, monday, now):
    book(business, service, at(monday, 19), now=now, outside_hours=True)
    for actor in (as_owner(business), as_client()):
        with pytest.raises(Conflict):  # outside hours too, but the overlap is what the business must hear
            book(business, service, at(monday, 19, 15), now=now, actor=actor, client_whatsapp="11977770000")
