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

from scheduling.availability import ProfessionalDay, Refusal, Rules, slot_grid, slot_refusal


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
    checks = _PartChecks(days, rules, now=now, tz=tz, online=online, outside_hours=outside_hours, explain=explain)
    return _plan(checks, parts, start)


def visit_free_starts(
    days: Mapping[object, ProfessionalDay],
    parts: Sequence[VisitPart],
    rules: Rules,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> list[datetime]:
    """Every start on the first service's grid (of anyone who performs it) at which the whole visit fits."""
    checks = _PartChecks(days, rules, now=now, tz=tz, online=True, outside_hours=False, explain=False)
    return [
        start for start in _first_part_grid(days, parts, rules) if not isinstance(_plan(checks, parts, start), Refusal)
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
    checks = _PartChecks(days, rules, now=now, tz=tz, online=True, outside_hours=False, explain=False)
    return any(not isinstance(_plan(checks, parts, start), Refusal) for start in _first_part_grid(days, parts, rules))


def _first_part_grid(days, parts, rules) -> list[datetime]:
    return sorted(
        {
            start
            for pro in parts[0].professional_ids
            if pro in days
            for start in slot_grid(days[pro], parts[0].duration, rules)
        }
    )


class _PartChecks:
    """`slot_refusal` for one part, remembered: the search asks about the same professional,
    time and length many times over (for one start and for the next ones on the grid)."""

    def __init__(self, days, rules: Rules, *, now, tz, online: bool, outside_hours: bool, explain: bool):
        self.days, self.rules, self.now, self.tz = days, rules, now, tz
        self.online, self.outside_hours, self.explain = online, outside_hours, explain
        self.unbuffered = replace(rules, buffer=timedelta())
        self.grids: dict[tuple, frozenset] = {}
        self.known: dict[tuple, Refusal | None] = {}
        self.refusals: list[Refusal] = []

    def refusal(self, pro, start: datetime, duration: timedelta, *, buffered: bool, first: bool) -> Refusal | None:
        key = (pro, start, duration, buffered, first)
        if key not in self.known:
            self.known[key] = self._refusal(pro, start, duration, buffered=buffered, first=first)
        refusal = self.known[key]
        if refusal is not None and self.explain:
            self.refusals.append(refusal)
        return refusal

    def _refusal(self, pro, start, duration, *, buffered: bool, first: bool) -> Refusal | None:
        day = self.days.get(pro)
        if day is None:
            return Refusal("")
        on_grid = True  # only the visit's start is an offered start; the parts after it follow
        if first and self.online:
            if (pro, duration) not in self.grids:
                self.grids[pro, duration] = frozenset(slot_grid(day, duration, self.rules))
            on_grid = start in self.grids[pro, duration]
        return slot_refusal(
            day,
            start,
            duration,
            self.rules if buffered else self.unbuffered,
            now=self.now,
            tz=self.tz,
            online=self.online,
            outside_hours=self.outside_hours,
            on_grid=on_grid,
            explain=self.explain,
        )

    def own_clash(self, placed: list[PlacedPart], pro, start: datetime, until: datetime) -> bool:
        """Whether [start, until) meets an earlier part of the same professional in this visit
        (one who comes back after someone else's part keeps the buffer of their earlier one)."""
        clash = any(p.professional_id == pro and p.start < until and start < p.blocks_until for p in placed)
        if clash and self.explain:
            self.refusals.append(Refusal(_("The services of this visit cannot follow one another at this time.")))
        return clash


def _plan(checks: _PartChecks, parts: Sequence[VisitPart], start: datetime) -> list[PlacedPart] | Refusal:
    checks.refusals = []
    common = [pro for pro in parts[0].professional_ids if all(pro in part.professional_ids for part in parts)]
    for pro in common:
        placed = _search(checks, parts, start, only=pro)
        if placed is not None:
            return placed
    if len(parts) > 1:
        placed = _search(checks, parts, start)
        if placed is not None:
            return placed
    return _worst(checks.refusals) if checks.refusals else Refusal("")


def _search(checks: _PartChecks, parts: Sequence[VisitPart], start: datetime, only=None) -> list[PlacedPart] | None:
    """Depth first over the parts' professionals (`only` that one), the previous part's first.

    A part is checked without a buffer when its professional is chosen, and with it once the
    next part's professional says whether it needs one; a branch fails as soon as a part does.
    What follows a part depends only on where the search stands (the part, the time, the previous
    professional and the earlier parts still blocking), so a position found hopeless is not
    searched again."""
    buffer = checks.rules.buffer
    placed: list[PlacedPart] = []  # the parts before the previous one, final
    chosen: list = []
    hopeless: set = set()

    def close_previous(index: int, at: datetime, pro) -> bool:
        """Fix the previous part's end of busy time now that part `index`'s professional is known."""
        previous, part = chosen[-1], parts[index - 1]
        previous_start = at - part.duration
        buffered = pro != previous
        if buffered and checks.refusal(previous, previous_start, part.duration, buffered=True, first=index == 1):
            return False
        until = at + buffer if buffered else at
        if buffered and checks.own_clash(placed, previous, previous_start, until):
            return False
        placed.append(PlacedPart(previous, previous_start, at, until))
        return True

    def extend(index: int, at: datetime) -> bool:
        if index == len(parts):
            return close_previous(index, at, None)
        key = (index, at, chosen[-1] if chosen else None, tuple(p for p in placed if p.blocks_until > at))
        if key in hopeless:
            return False
        part = parts[index]
        candidates = [only] if only is not None else sorted(part.professional_ids, key=lambda pro: pro != key[2])
        for pro in candidates:
            if chosen and not close_previous(index, at, pro):
                continue
            end = at + part.duration
            fits = not checks.refusal(pro, at, part.duration, buffered=False, first=index == 0) and not (
                checks.own_clash(placed, pro, at, end)
            )
            if fits:
                chosen.append(pro)
                if extend(index + 1, end):
                    return True
                chosen.pop()
            if index:
                placed.pop()
        hopeless.add(key)
        return False

    return placed if extend(0, start) else None


def _worst(refusals: list[Refusal]) -> Refusal:
    """An overlap first (with every booking in the way), else the first reason given."""
    conflicts = {busy.appointment_id: busy for refusal in refusals for busy in refusal.conflicts}
    if conflicts:
        return Refusal(next(r.reason for r in refusals if r.conflicts), tuple(conflicts.values()))
    return next((r for r in refusals if r.reason), refusals[0])
