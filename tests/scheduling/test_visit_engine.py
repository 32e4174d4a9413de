"""The visit engine on its own: data in, starts and placements out (no database)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from scheduling.availability import Busy, ProfessionalDay, Refusal, Rules
from scheduling.visit_availability import VisitPart, visit_free_starts, visit_plan

TZ = ZoneInfo("UTC")
NOW = datetime(2030, 1, 1, 8, tzinfo=UTC)
DAY = datetime(2030, 1, 7, tzinfo=UTC)  # a Monday, days after NOW
RULES = Rules(slot_interval=timedelta(minutes=30), buffer=timedelta(), min_notice=timedelta(), max_days_ahead=90)


def at(hour: int, minute: int = 0) -> datetime:
    return DAY.replace(hour=hour, minute=minute)


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def day(pro, *work, busy=(), closed=()) -> ProfessionalDay:
    return ProfessionalDay(
        professional_id=pro,
        work=[(at(*a), at(*b)) for a, b in work],
        busy=[Busy(start=at(*s), until=at(*u), appointment_id=f"{pro}-{s}", end_time=at(*u)) for s, u in busy],
        closed=[(at(*a), at(*b)) for a, b in closed],
    )


def hhmm(starts) -> list[str]:
    return [start.strftime("%H:%M") for start in starts]


def free(days, parts, rules=RULES):
    return hhmm(visit_free_starts({d.professional_id: d for d in days}, parts, rules, now=NOW, tz=TZ))


def plan(days, parts, start, rules=RULES):
    return visit_plan({d.professional_id: d for d in days}, parts, start, rules, now=NOW, tz=TZ)


CUT = VisitPart(minutes(30), ("ana", "bia"))
COLOUR = VisitPart(minutes(60), ("bia",))
BEARD = VisitPart(minutes(30), ("ana", "bia"))


def test_one_professional_who_performs_them_all_is_preferred():
    days = [day("ana", ((9,), (12,))), day("bia", ((9,), (12,)))]
    placed = plan(days, [CUT, BEARD], at(9))
    assert [p.professional_id for p in placed] == ["ana", "ana"]
    assert [(p.start, p.end) for p in placed] == [(at(9), at(9, 30)), (at(9, 30), at(10))]


def test_parts_split_between_professionals_when_nobody_does_everything():
    ana_only = VisitPart(minutes(30), ("ana",))
    days = [day("ana", ((9,), (12,))), day("bia", ((9,), (12,)))]
    placed = plan(days, [ana_only, COLOUR], at(10))
    assert [(p.professional_id, p.start.hour, p.start.minute) for p in placed] == [("ana", 10, 0), ("bia", 10, 30)]
    # The colour must end by noon: the last start is 10:30 (10:30-11:00 cut, 11:00-12:00 colour).
    assert free(days, [ana_only, COLOUR]) == ["09:00", "09:30", "10:00", "10:30"]


def test_the_others_are_combined_when_the_one_who_does_everything_is_busy():
    days = [day("ana", ((9,), (12,)), busy=[((9, 30), (10,))]), day("bia", ((9,), (12,)), busy=[((9,), (9, 30))])]
    placed = plan(days, [CUT, BEARD], at(9))
    assert [p.professional_id for p in placed] == ["ana", "bia"]


def test_nothing_straddles_a_break():
    days = [day("ana", ((9,), (12,)), ((13,), (18,)))]
    parts = [VisitPart(minutes(30), ("ana",)), VisitPart(minutes(60), ("ana",))]
    offered = free(days, parts)
    # From 10:30 the colour ends at noon; from 11:00 it would run into the break.
    assert offered[: offered.index("13:00")] == ["09:00", "09:30", "10:00", "10:30"]
    refusal = plan(days, parts, at(11))
    assert isinstance(refusal, Refusal) and refusal.reason


def test_an_existing_booking_blocks_every_part_that_would_touch_it():
    days = [day("ana", ((9,), (13,)), busy=[((10, 30), (11,))])]
    parts = [VisitPart(minutes(30), ("ana",)), VisitPart(minutes(30), ("ana",))]
    assert free(days, parts) == ["09:00", "09:30", "11:00", "11:30", "12:00"]
    refusal = plan(days, parts, at(10))
    assert isinstance(refusal, Refusal)
    assert [busy.appointment_id for busy in refusal.conflicts] == ["ana-(10, 30)"]


def test_the_buffer_follows_a_professionals_last_part_not_each_part():
    rules = Rules(slot_interval=minutes(30), buffer=minutes(15), min_notice=timedelta(), max_days_ahead=90)
    days = [day("ana", ((9,), (11,)), busy=[((10, 15), (11,))])]
    parts = [VisitPart(minutes(30), ("ana",)), VisitPart(minutes(30), ("ana",))]
    placed = plan(days, parts, at(9), rules)
    # Back to back with the same professional: no buffer between; after the last part, 15 minutes.
    assert [(p.end, p.blocks_until) for p in placed] == [(at(9, 30), at(9, 30)), (at(10), at(10, 15))]
    # From 9:30 the visit would end at 10:30, and its buffer would reach the 10:15 booking.
    assert free(days, parts, rules) == ["09:00"]


def test_the_buffer_applies_when_another_professional_takes_over():
    rules = Rules(slot_interval=minutes(30), buffer=minutes(15), min_notice=timedelta(), max_days_ahead=90)
    ana_only, bia_only = VisitPart(minutes(30), ("ana",)), VisitPart(minutes(30), ("bia",))
    days = [day("ana", ((9,), (11,)), busy=[((9, 40), (10,))]), day("bia", ((9,), (11,)))]
    # Ana's part ends 9:30 and her buffer runs to 9:45, into her 9:40 booking.
    assert isinstance(plan(days, [ana_only, bia_only], at(9), rules), Refusal)
    placed = plan(days, [ana_only, bia_only], at(10), rules)
    assert [(p.professional_id, p.blocks_until) for p in placed] == [("ana", at(10, 45)), ("bia", at(11, 15))]


def test_the_same_professional_later_in_the_visit_keeps_her_buffer():
    rules = Rules(slot_interval=minutes(30), buffer=minutes(15), min_notice=timedelta(), max_days_ahead=90)
    ana, bia = VisitPart(minutes(30), ("ana",)), VisitPart(minutes(10), ("bia",))
    days = [day("ana", ((9,), (12,))), day("bia", ((9,), (12,)))]
    # Ana 9:00-9:30 (+15), Bia 9:30-9:40, Ana again at 9:40: inside her own buffer.
    refusal = plan(days, [ana, bia, ana], at(9), rules)
    assert isinstance(refusal, Refusal) and refusal.reason


def test_only_the_visits_start_is_held_to_the_grid_and_the_notice():
    days = [day("ana", ((9,), (12,)))]
    parts = [VisitPart(minutes(20), ("ana",)), VisitPart(minutes(20), ("ana",))]
    rules = Rules(slot_interval=minutes(30), buffer=timedelta(), min_notice=timedelta(), max_days_ahead=90)
    assert free(days, parts, rules)[:3] == ["09:00", "09:30", "10:00"]  # the second part starts at :20 or :50
    assert isinstance(plan(days, parts, at(9, 20), rules), Refusal)


def test_time_off_closes_the_part_that_meets_it():
    days = [day("ana", ((9,), (12,)), closed=[((10,), (12,))])]
    parts = [VisitPart(minutes(30), ("ana",)), VisitPart(minutes(30), ("ana",))]
    assert free(days, parts) == ["09:00"]
