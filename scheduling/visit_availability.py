"""The availability engine for a visit: several services back to back, from one start.

Pure, like `scheduling.availability`, whose `slot_refusal` judges every part: a start that is
offered is bookable and one left out is refused, by construction.

The rules (docs/domain.md, "Visits"): part n+1 starts when part n ends. One professional who
performs every service is preferred; otherwise each part goes to someone who performs it. The
buffer follows a professional's last part before someone else takes over: between two parts
with the same professional the client stays in the chair, so there is none. Only the visit's
start is held to the slot grid (of the first service), the notice and the horizon.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from scheduling.availability import Busy, ProfessionalDay, Refusal, Rules, slot_grid, slot_refusal


@dataclass(frozen=True)
class VisitPart:
    """One service of the visit: how long it takes and who may perform it, in order of preference."""

    duration: timedelta
    professional_ids: tuple


@dataclass(frozen=True)
class PlacedPart:
    professional_id: object
    start: datetime
    end: datetime
    # The end plus the buffer when another professional (or nobody) follows; the end otherwise.
    blocks_until: datetime


def visit_plan(
    days: Mapping[object, ProfessionalDay],
    parts: Sequence[VisitPart],
    start: datetime,
    rules: Rules,
    *,
    now: datetime,
    tz: ZoneInfo,
    online: bool = True,
    outside_hours: bool = False,
    explain: bool = True,
) -> list[PlacedPart] | Refusal:
    """Place every part from `start`, or say why it cannot be done.

    Tries one professional for the whole visit first (in the order the parts list them), then
    any combination, each part's candidates in order with the previous part's professional
    first. A refusal carries every conflict met, so an overlap is reported before anything else.
    """
    common = [pro for pro in parts[0].professional_ids if all(pro in part.professional_ids for part in parts)]
    refusals: list[Refusal] = []
    for pro in common:
        placed = _place_all(
            days, parts, [pro] * len(parts), start, rules, now, tz, online, outside_hours, refusals, explain
        )
        if placed is not None:
            return placed
    if len(parts) > 1:
        placed = _search(days, parts, start, rules, now, tz, online, outside_hours, refusals, explain)
        if placed is not None:
            return placed
    return _worst(refusals) if refusals else Refusal("")


def visit_free_starts(
    days: Mapping[object, ProfessionalDay],
    parts: Sequence[VisitPart],
    rules: Rules,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> list[datetime]:
    """Every start on the first service's grid (of anyone who performs it) at which the whole visit fits."""
    return [
        start
        for start in _first_part_grid(days, parts, rules)
        if not isinstance(visit_plan(days, parts, start, rules, now=now, tz=tz, explain=False), Refusal)
    ]


def visit_has_free_start(
    days: Mapping[object, ProfessionalDay],
    parts: Sequence[VisitPart],
    rules: Rules,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> bool:
    """Whether `visit_free_starts` offers anything: stops at the first start it would offer."""
    return any(
        not isinstance(visit_plan(days, parts, start, rules, now=now, tz=tz, explain=False), Refusal)
        for start in _first_part_grid(days, parts, rules)
    )


def _first_part_grid(days, parts, rules) -> list[datetime]:
    return sorted(
        {
            start
            for pro in parts[0].professional_ids
            if pro in days
            for start in slot_grid(days[pro], parts[0].duration, rules)
        }
    )


def _part_refusal(days, pro, start, duration, rules, buffered, now, tz, online, outside_hours, first, explain):
    day = days.get(pro)
    if day is None:
        return Refusal("")
    part_rules = rules if buffered else replace(rules, buffer=timedelta())
    return slot_refusal(
        day,
        start,
        duration,
        part_rules,
        now=now,
        tz=tz,
        online=online,
        outside_hours=outside_hours,
        # Only the visit's start is an offered start; the parts after it follow.
        on_grid=None if first else True,
        explain=explain,
    )


def _place_all(days, parts, pros, start, rules, now, tz, online, outside_hours, refusals, explain=True):
    """Check the parts with these professionals; the placed parts, or None (the refusal is kept)."""
    placed: list[PlacedPart] = []
    at = start
    for index, (part, pro) in enumerate(zip(parts, pros, strict=True)):
        buffered = index == len(parts) - 1 or pros[index + 1] != pro
        refusal = _part_refusal(
            days, pro, at, part.duration, rules, buffered, now, tz, online, outside_hours, index == 0, explain
        )
        end = at + part.duration
        until = end + rules.buffer if buffered else end
        if refusal is None:
            # The same professional again later in the visit, after someone else's part.
            clash = tuple(
                Busy(start=p.start, until=p.blocks_until, appointment_id=None, end_time=p.end)
                for p in placed
                if p.professional_id == pro and p.start < until and at < p.blocks_until
            )
            if clash:
                refusal = Refusal(
                    _("The services of this visit cannot follow one another at this time.") if explain else ""
                )
        if refusal is not None:
            refusals.append(refusal)
            return None
        placed.append(PlacedPart(professional_id=pro, start=at, end=end, blocks_until=until))
        at = end
    return placed


def _search(days, parts, start, rules, now, tz, online, outside_hours, refusals, explain):
    """Depth first over the parts' professionals, pruning a part that cannot fit even without a buffer."""
    chosen: list = []

    def extend(index: int, at: datetime):
        if index == len(parts):
            return _place_all(days, parts, chosen, start, rules, now, tz, online, outside_hours, refusals, explain)
        part = parts[index]
        previous = chosen[-1] if chosen else None
        ordered = sorted(part.professional_ids, key=lambda pro: pro != previous)
        for pro in ordered:
            refusal = _part_refusal(
                days, pro, at, part.duration, rules, False, now, tz, online, outside_hours, index == 0, explain
            )
            if refusal is not None:
                refusals.append(refusal)
                continue
            chosen.append(pro)
            placed = extend(index + 1, at + part.duration)
            if placed is not None:
                return placed
            chosen.pop()
        return None

    return extend(0, start)


def _worst(refusals: list[Refusal]) -> Refusal:
    """An overlap first (with every booking in the way), else the first reason given."""
    conflicts = {busy.appointment_id: busy for refusal in refusals for busy in refusal.conflicts}
    if conflicts:
        return Refusal(next(r.reason for r in refusals if r.conflicts), tuple(conflicts.values()))
    return next((r for r in refusals if r.reason), refusals[0])
