"""Dashboard forms of the agenda and its settings: they check the shape of the input only.

Every rule (free times, transitions, who performs what, intervals that overlap) belongs to
`scheduling.services`; the views put its errors back on these forms.
"""

import itertools
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from scheduling.models import AppointmentStatus, OnlineBookingStatus, Weekday

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
ANY = ""


def _choices(rows, empty_label=None) -> list[tuple[str, str]]:
    choices = [(str(row.pk), str(row)) for row in rows]
    return [(ANY, empty_label), *choices] if empty_label is not None else choices


def at_local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The instant at wall-clock `clock` on `day` in the business's zone."""
    return datetime.combine(day, clock, tzinfo=tz)


def start_instant(day: date, value: datetime | time, tz: ZoneInfo) -> datetime:
    """What a `SlotField` gave: an offered instant as it is, or a typed time on `day`."""
    return value if isinstance(value, datetime) else at_local(day, value, tz)


class SlotField(forms.Field):
    """A start: an offered slot's exact instant (ISO 8601 with its offset) or a typed HH:MM.

    The instant tells apart the two 01:30 of a clock's fall-back night, which a wall time cannot.
    """

    clock = forms.TimeField(input_formats=["%H:%M"])

    def to_python(self, value):
        value = (value or "").strip()
        if not value:
            return None
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            instant = None
        if instant is not None and instant.tzinfo is not None:
            return instant
        return self.clock.to_python(value)  # HH:MM, or TimeField's own "Enter a valid time."


# --- Agenda -----------------------------------------------------------------------------------
CALENDAR_VIEWS = [("day", _("Day")), ("week", _("Week"))]


class CalendarForm(forms.Form):
    """The calendar's view (a day or a week), date, professional and status (sent with GET)."""

    DAY, WEEK = "day", "week"

    view = forms.ChoiceField(label=_("View"), required=False, choices=CALENDAR_VIEWS, widget=forms.HiddenInput)
    date = forms.DateField(label=_("Date"), required=False, widget=DATE_WIDGET)
    professional = forms.ChoiceField(label=_("Professional"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(ANY, _("All but cancelled")), *AppointmentStatus.choices],
    )

    def __init__(self, *args, professionals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["professional"].choices = _choices(professionals, _("All professionals"))


class CalendarSlotForm(forms.Form):
    """An empty time clicked in the calendar: its start and, in a week of everyone, no professional."""

    start = forms.DateTimeField(input_formats=["%Y-%m-%dT%H:%M"])
    professional = forms.ChoiceField(label=_("Professional"), required=False)
    view = forms.ChoiceField(required=False, choices=CALENDAR_VIEWS)  # the calendar to go back to

    def __init__(self, *args, professionals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["professional"].choices = _choices(professionals, _("Choose a professional"))


# Lengths offered to block a time, labelled alike in both languages.
BLOCK_LENGTHS = [
    (15, "15 min"),
    (30, "30 min"),
    (45, "45 min"),
    (60, "1 h"),
    (90, "1 h 30"),
    (120, "2 h"),
    (240, "4 h"),
]


class BlockTimeForm(forms.Form):
    """Block a professional's time from the calendar: time off from `start`, for `minutes`."""

    professional = forms.ChoiceField(label=_("Professional"))
    start = forms.DateTimeField(input_formats=["%Y-%m-%dT%H:%M"], widget=forms.HiddenInput)
    minutes = forms.TypedChoiceField(
        label=_("For how long"),
        coerce=int,
        initial=60,
        choices=BLOCK_LENGTHS,
    )
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Lunch, errand, training…")}),
    )
    view = forms.ChoiceField(required=False, choices=CALENDAR_VIEWS, widget=forms.HiddenInput)

    def __init__(self, *args, professionals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["professional"].choices = _choices(professionals, _("Choose a professional"))


class MoveForm(forms.Form):
    """Move an appointment: a date, a start time (any minute), a professional, and the squeeze-in box."""

    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    time = forms.TimeField(label=_("Time"), widget=TIME_WIDGET, input_formats=["%H:%M"])
    professional = forms.ChoiceField(label=_("Professional"))
    outside_hours = forms.BooleanField(
        label=_("Squeeze-in: move it even outside working hours or in time off"), required=False
    )

    def __init__(self, *args, professionals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["professional"].choices = _choices(professionals)

    def start(self, tz: ZoneInfo) -> datetime:
        return at_local(self.cleaned_data["date"], self.cleaned_data["time"], tz)


class SlotQueryForm(forms.Form):
    """Step one of a booking: which service, with whom, on which date (sent with GET)."""

    service_id = forms.ChoiceField(label=_("Service"))
    extra_service_ids = forms.MultipleChoiceField(
        label=_("Then, in the same visit (optional)"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Services done right after it, back to back, in this list's order."),
    )
    professional_id = forms.ChoiceField(label=_("Professional"), required=False)
    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET)

    def __init__(self, *args, services, professionals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_id"].choices = [(ANY, _("Choose a service")), *_choices(services)]
        self.fields["extra_service_ids"].choices = _choices(services)
        self.fields["professional_id"].choices = _choices(professionals, _("Any professional"))

    def clean_extra_service_ids(self) -> list[str]:
        # The service chosen first is the visit's first: ticking it again adds nothing.
        return [pk for pk in self.cleaned_data["extra_service_ids"] if pk != self.data.get("service_id")]

    def visit_service_ids(self) -> list[str]:
        """The visit's services in order: the one chosen, then those ticked (just the one without any)."""
        return [self.cleaned_data["service_id"], *self.cleaned_data["extra_service_ids"]]


class AppointmentBookForm(forms.Form):
    """Step two: a free time picked (or any time typed) and the client's details (sent with POST).

    `status` is asked only for a date that may be past: a visit that happened is recorded as
    completed or no-show. Whether the time fits is the booking service's to say.
    """

    start_time = SlotField(label=_("Time"), required=False)
    other_time = forms.TimeField(
        label=_("Or type another time"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time", "class": "input-short"}, format="%H:%M"),
        input_formats=["%H:%M"],
        help_text=_("Any minute, e.g. 14:10. It takes the place of the time chosen above."),
    )
    outside_hours = forms.BooleanField(
        label=_("Squeeze-in: book it even outside working hours or in time off"), required=False
    )
    status = forms.ChoiceField(
        label=_("Has this visit already happened?"),
        required=False,
        widget=forms.RadioSelect,
        choices=[
            (ANY, _("Not yet")),
            (AppointmentStatus.COMPLETED, _("Yes, it was completed")),
            (AppointmentStatus.NO_SHOW, _("The client did not come")),
        ],
    )
    client_name = forms.CharField(
        label=_("Client's name"), max_length=255, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    client_whatsapp = forms.CharField(
        label=_("Client's WhatsApp"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off", "placeholder": "(11) 98888-8888"}),
    )
    client_email = forms.EmailField(label=_("Client's email (optional)"), max_length=255, required=False)
    notes = forms.CharField(
        label=_("Notes (optional)"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    # Asked when the number is a known client's and the name typed is another: the page comes
    # back once with this choice, about the client named in `known_client`.
    client_name_choice = forms.ChoiceField(
        choices=[("keep", "keep"), ("rename", "rename")],  # the template words them with the names
        required=False,
        widget=forms.RadioSelect,
    )
    known_client = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, past_day: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if past_day:  # a visit on a past date happened or not; today's may still be ahead
            self.fields["status"].choices = self.fields["status"].choices[1:]
            self.fields["status"].initial = AppointmentStatus.COMPLETED

    def clean(self):
        cleaned = super().clean()
        time_errors = "start_time" in self.errors or "other_time" in self.errors
        if not time_errors and cleaned.get("start_time") is None and cleaned.get("other_time") is None:
            self.add_error("start_time", _("Choose a free time or type one."))
        return cleaned

    @property
    def time_field(self) -> str:
        """The field the start came from: where an error about the time belongs."""
        return "other_time" if self.cleaned_data.get("other_time") is not None else "start_time"

    def start(self, day: date, tz: ZoneInfo) -> datetime:
        """The start asked for: the typed time when there is one, else the slot chosen."""
        typed = self.cleaned_data.get("other_time")
        return start_instant(day, typed if typed is not None else self.cleaned_data["start_time"], tz)


class SeriesRepeatForm(forms.Form):
    """Step two's "repeat": every N weeks, K times or until a date (empty: a one-off booking).

    The ranges are the series service's to check; its errors come back on these fields.
    """

    repeat_every_weeks = forms.IntegerField(
        label=_("Repeat every (weeks)"),
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs={"class": "input-short", "inputmode": "numeric"}),
        help_text=_("Empty: only this appointment. 1: every week, 2: every other week..."),
    )
    repeat_count = forms.IntegerField(
        label=_("How many times (this one included)"),
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs={"class": "input-short", "inputmode": "numeric"}),
    )
    repeat_until = forms.DateField(
        label=_("Or until (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self):
        cleaned = super().clean()
        asked_an_end = cleaned.get("repeat_count") is not None or cleaned.get("repeat_until") is not None
        if asked_an_end and cleaned.get("repeat_every_weeks") is None and "repeat_every_weeks" not in self.errors:
            # Not a one-off booked silently when the owner meant a series.
            self.add_error("repeat_every_weeks", _("Say every how many weeks it repeats."))
        return cleaned

    def recurrence(self) -> dict | None:
        """The series asked for, as the service takes it; None for a one-off."""
        data = self.cleaned_data
        if data.get("repeat_every_weeks") is None:
            return None
        return {"every_weeks": data["repeat_every_weeks"], "count": data["repeat_count"], "until": data["repeat_until"]}


class SeriesCancelScopeForm(forms.Form):
    """On an occurrence of a series, the cancel asks which: only this one, or it and the following ones."""

    scope = forms.ChoiceField(
        label=_("Cancel"),
        choices=[("one", _("Only this appointment")), ("future", _("This one and the following ones"))],
        required=False,  # a cancel without it (a one-off's form) is of this appointment only
        widget=forms.RadioSelect,
    )


class TimeFillForm(forms.Form):
    """The time a link pre-fills in a booking (HH:MM); a bad one is ignored, the form asks anyway."""

    time = forms.TimeField(required=False, input_formats=["%H:%M"])


class AppointmentStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=AppointmentStatus.choices)


class AppointmentCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # Sent only by the confirmation step's "Yes, cancel": a cancel without it asks first.
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


class AppointmentEditForm(forms.Form):
    """Change an appointment: service, professional, date and typed time, squeeze-in, notes.

    Only a pending or confirmed appointment (`movable`) has the first four; any has its notes.
    `changes()` says what differs from the appointment, for one `appointment_update`.
    """

    service_id = forms.ChoiceField(label=_("Service"), help_text=_("Its duration and price come with it."))
    professional_id = forms.ChoiceField(label=_("Professional"))
    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    start_time = forms.TimeField(
        label=_("Time"),
        widget=forms.TimeInput(attrs={"type": "time", "class": "input-short"}, format="%H:%M"),
        input_formats=["%H:%M"],
        help_text=_("Any minute, e.g. 14:10."),
    )
    outside_hours = forms.BooleanField(
        label=_("Squeeze-in: allow it outside working hours or in time off"), required=False
    )
    notes = forms.CharField(label=_("Notes"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    MOVE_FIELDS = ("service_id", "professional_id", "date", "start_time", "outside_hours")

    def __init__(self, *args, services, professionals, movable: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.movable = movable
        if not movable:
            for name in self.MOVE_FIELDS:
                del self.fields[name]
            return
        self.fields["service_id"].choices = _choices(services)
        self.fields["professional_id"].choices = _choices(professionals)

    @staticmethod
    def initial_for(appointment, tz: ZoneInfo) -> dict:
        local = appointment.start_time.astimezone(tz)
        return {
            "service_id": str(appointment.service_id),
            "professional_id": str(appointment.professional_id),
            "date": local.date(),
            "start_time": local.time().replace(second=0, microsecond=0),
            "notes": appointment.notes,
        }

    def changes(self, appointment, tz: ZoneInfo) -> dict:
        """The `appointment_update` data for what differs from `appointment` (empty: nothing)."""
        data, initial = self.cleaned_data, self.initial_for(appointment, tz)
        changes = {}
        if self.movable:
            for name in ("service_id", "professional_id"):
                if data[name] != initial[name]:
                    changes[name] = data[name]
            # Compared as wall-clock date and time: the form cannot name one of a fall-back
            # night's two 01:30, so an untouched time is never read as a move.
            if (data["date"], data["start_time"]) != (initial["date"], initial["start_time"]):
                changes["start_time"] = at_local(data["date"], data["start_time"], tz)
            if changes and data["outside_hours"]:
                changes["outside_hours"] = True
        if _one_line_ending(data["notes"]) != _one_line_ending(initial["notes"]).strip():
            changes["notes"] = _one_line_ending(data["notes"])
        return changes


def _one_line_ending(text: str) -> str:
    """Browsers send CRLF from a textarea; what is stored and compared uses LF."""
    return (text or "").replace("\r\n", "\n")


class RescheduleForm(forms.Form):
    date = forms.DateField(label=_("New date"), widget=DATE_WIDGET)
    start_time = SlotField(label=_("New time"))


class DateForm(forms.Form):
    date = forms.DateField(label=_("New date"), widget=DATE_WIDGET)


# --- Professionals and hours ----------------------------------------------------------------
class ProfessionalCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)


class ProfessionalForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    service_ids = forms.MultipleChoiceField(
        label=_("Services performed"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A service nobody is assigned to is performed by everyone."),
    )

    def __init__(self, *args, services, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_ids"].choices = _choices(services)


class ActiveForm(forms.Form):
    is_active = forms.TypedChoiceField(
        choices=[("true", _("Active")), ("false", _("Inactive"))], coerce=lambda value: value == "true"
    )


@dataclass
class HoursDay:
    """One weekday of the hours editor, as the template lays it out."""

    weekday: Weekday
    closed: forms.BoundField
    start: forms.BoundField
    end: forms.BoundField
    breaks: list[tuple[forms.BoundField, forms.BoundField]]
    errors: list[str]

    @property
    def label(self) -> str:
        return self.weekday.label


class WeeklyHoursForm(forms.Form):
    """A week as people say it: each day open from-to, with breaks, or closed.

    The stored week is a list of intervals (`working_hours_replace`); `intervals()` turns a day
    open 09:00-18:00 with a break 12:00-13:00 into 09:00-12:00 and 13:00-18:00, and `initial_for`
    turns the intervals back. `breaks` is how many break rows each day shows (one more than the
    busiest day has, so there is always an empty one).
    """

    def __init__(self, *args, breaks: int = 1, **kwargs):
        super().__init__(*args, **kwargs)
        self.breaks = max(1, breaks)
        for weekday in Weekday:
            self.fields[self.name(weekday, "closed")] = forms.BooleanField(label=_("Closed"), required=False)
            self.fields[self.name(weekday, "start")] = _clock(_("Opens at"))
            self.fields[self.name(weekday, "end")] = _clock(_("Closes at"))
            for row in range(1, self.breaks + 1):
                self.fields[self.name(weekday, "start", row)] = _clock(_("Break from"))
                self.fields[self.name(weekday, "end", row)] = _clock(_("until"))

    @staticmethod
    def name(weekday: int, part: str, break_row: int | None = None) -> str:
        return f"d{int(weekday)}_{part}" if break_row is None else f"d{int(weekday)}_b{break_row}_{part}"

    @staticmethod
    def breaks_in(data) -> int:
        """How many break rows a submitted week has."""
        rows = [int(match[1]) for key in data if (match := _BREAK_FIELD.fullmatch(key))]
        return max(rows, default=1)

    @classmethod
    def initial_for(cls, hours) -> tuple[dict, int]:
        """The editor's initial values from WorkingHours rows, and how many break rows it needs."""
        by_day: dict[int, list[tuple[time, time]]] = {}
        for row in sorted(hours, key=lambda row: (row.weekday, row.start_time)):
            by_day.setdefault(row.weekday, []).append((row.start_time, row.end_time))
        initial: dict = {}
        most = 0
        for weekday in Weekday:
            intervals = by_day.get(int(weekday))
            if not intervals:
                initial[cls.name(weekday, "closed")] = True
                continue
            initial[cls.name(weekday, "start")] = intervals[0][0]
            initial[cls.name(weekday, "end")] = intervals[-1][1]
            gaps = [(end, start) for (_s, end), (start, _e) in itertools.pairwise(intervals) if end < start]
            for row, (start, end) in enumerate(gaps, start=1):
                initial[cls.name(weekday, "start", row)] = start
                initial[cls.name(weekday, "end", row)] = end
            most = max(most, len(gaps))
        return initial, most + 1

    def days(self) -> list[HoursDay]:
        return [
            HoursDay(
                weekday=weekday,
                closed=self[self.name(weekday, "closed")],
                start=self[self.name(weekday, "start")],
                end=self[self.name(weekday, "end")],
                breaks=[
                    (self[self.name(weekday, "start", row)], self[self.name(weekday, "end", row)])
                    for row in range(1, self.breaks + 1)
                ],
                errors=[error for name in self._day_fields(weekday) for error in self.errors.get(name, [])],
            )
            for weekday in Weekday
        ]

    def _day_fields(self, weekday: int) -> list[str]:
        return [name for name in self.fields if name.startswith(f"d{int(weekday)}_")]

    def clean(self):
        cleaned = super().clean()
        for weekday in Weekday:
            if not cleaned.get(self.name(weekday, "closed")) and not any(
                name in self.errors for name in self._day_fields(weekday)
            ):
                self._check_day(weekday, cleaned)
        return cleaned

    def _check_day(self, weekday: int, cleaned: dict) -> None:
        start_name, end_name = self.name(weekday, "start"), self.name(weekday, "end")
        start, end = cleaned.get(start_name), cleaned.get(end_name)
        if start is None or end is None:
            self.add_error(
                start_name if start is None else end_name, _("Fill in when the day opens and closes, or tick Closed.")
            )
            return
        if end <= start:
            self.add_error(end_name, _("The day must close after it opens."))
            return
        previous_end = None
        for row, (break_start, break_end) in self._breaks(weekday, cleaned):
            here = self.name(weekday, "start", row)
            if break_start is None or break_end is None:
                self.add_error(here, _("Fill in both times of the break, or leave both empty."))
            elif break_end <= break_start:
                self.add_error(self.name(weekday, "end", row), _("A break must end after it starts."))
            elif not start < break_start or not break_end < end:
                self.add_error(
                    here,
                    _("The break %(start)s–%(end)s is outside the day (%(open)s–%(close)s).")
                    % {
                        "start": f"{break_start:%H:%M}",
                        "end": f"{break_end:%H:%M}",
                        "open": f"{start:%H:%M}",
                        "close": f"{end:%H:%M}",
                    },
                )
            elif previous_end is not None and break_start <= previous_end:
                self.add_error(
                    here,
                    _("The break %(start)s–%(end)s overlaps another break.")
                    % {"start": f"{break_start:%H:%M}", "end": f"{break_end:%H:%M}"},
                )
            else:
                previous_end = max(previous_end or break_end, break_end)

    def _breaks(self, weekday: int, cleaned: dict) -> list[tuple[int, tuple[time | None, time | None]]]:
        """The break rows typed, in the order of their start (empty rows left out)."""
        rows = [
            (row, (cleaned.get(self.name(weekday, "start", row)), cleaned.get(self.name(weekday, "end", row))))
            for row in range(1, self.breaks + 1)
        ]
        typed = [(row, pair) for row, pair in rows if pair != (None, None)]
        return sorted(typed, key=lambda item: (item[1][0] or time.max, item[0]))

    def intervals(self) -> list[dict]:
        """The week as `working_hours_replace` takes it: each open day cut by its breaks."""
        intervals = []
        for weekday in Weekday:
            if self.cleaned_data.get(self.name(weekday, "closed")):
                continue
            start = self.cleaned_data[self.name(weekday, "start")]
            for _row, (break_start, break_end) in self._breaks(weekday, self.cleaned_data):
                intervals.append({"weekday": int(weekday), "start_time": start, "end_time": break_start})
                start = break_end
            intervals.append(
                {"weekday": int(weekday), "start_time": start, "end_time": self.cleaned_data[self.name(weekday, "end")]}
            )
        return intervals

    @classmethod
    def copied(cls, data, *, source: int, breaks: int) -> dict:
        """`data` with day `source`'s hours and breaks typed on every other day too."""
        copy = {key: data.getlist(key) if hasattr(data, "getlist") else data[key] for key in data}
        copy = {key: value[-1] if isinstance(value, list) and value else value for key, value in copy.items()}
        parts = ["closed", "start", "end"]
        for weekday in Weekday:
            if weekday == source:
                continue
            for part in parts:
                cls._copy_key(copy, cls.name(source, part), cls.name(weekday, part))
            for row in range(1, breaks + 1):
                for part in ("start", "end"):
                    cls._copy_key(copy, cls.name(source, part, row), cls.name(weekday, part, row))
        return copy

    @staticmethod
    def _copy_key(data: dict, source: str, target: str) -> None:
        if source in data:
            data[target] = data[source]
        else:  # an unticked checkbox sends nothing
            data.pop(target, None)


_BREAK_FIELD = re.compile(r"d[0-6]_b([0-9]{1,2})_(?:start|end)")


def _clock(label) -> forms.TimeField:
    return forms.TimeField(label=label, required=False, widget=TIME_WIDGET, input_formats=["%H:%M"])


# --- Time off and rules -----------------------------------------------------------------------
class TimeOffForm(forms.Form):
    professional_id = forms.ChoiceField(label=_("Who is away"), required=False)
    start_date = forms.DateField(label=_("From (date)"), widget=DATE_WIDGET)
    start_time = forms.TimeField(label=_("From (time)"), required=False, widget=TIME_WIDGET, input_formats=["%H:%M"])
    end_date = forms.DateField(label=_("Until (date)"), required=False, widget=DATE_WIDGET)
    end_time = forms.TimeField(label=_("Until (time)"), required=False, widget=TIME_WIDGET, input_formats=["%H:%M"])
    reason = forms.CharField(
        label=_("Reason (optional)"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Holiday, vacation, training…")}),
    )

    def __init__(self, *args, professionals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["professional_id"].choices = _choices(professionals, _("Everybody (the business is closed)"))

    def period(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The period typed, as aware datetimes: an empty time means the whole day."""
        data = self.cleaned_data
        start = at_local(data["start_date"], data["start_time"] or time.min, tz)
        end_date = data["end_date"] or data["start_date"]
        if data["end_time"] is None:
            end = at_local(end_date + timedelta(days=1), time.min, tz)
        else:
            end = at_local(end_date, data["end_time"], tz)
        return start, end


class BookingRulesForm(forms.Form):
    # Bounds as in the API's input serializer: the shape of a number, not a booking rule.
    slot_interval_minutes = forms.IntegerField(
        label=_("Slot interval (minutes)"),
        required=False,
        min_value=5,
        error_messages={"min_value": _("Must be at least 5 minutes, or empty.")},
        max_value=1440,
        help_text=_("How often a time is offered. Empty: every service's own duration."),
    )
    buffer_minutes = forms.IntegerField(label=_("Buffer after each appointment (minutes)"), min_value=0, max_value=1440)
    min_notice_minutes = forms.IntegerField(
        label=_("Minimum notice (minutes)"),
        min_value=0,
        max_value=60 * 24 * 60,
        help_text=_("How long before a time it can still be booked."),
    )
    max_days_ahead = forms.IntegerField(label=_("Bookable up to (days ahead)"), min_value=1, max_value=730)
    cancellation_notice_hours = forms.IntegerField(
        label=_("Clients may cancel or reschedule online up to (hours before)"), min_value=0, max_value=24 * 60
    )
    online_booking_status = forms.ChoiceField(
        label=_("Online bookings start as"), choices=OnlineBookingStatus.choices, widget=forms.RadioSelect
    )
    waitlist_offers_at_once = forms.IntegerField(
        label=_("Waitlist: clients offered a freed time at once"),
        required=False,
        min_value=1,
        max_value=20,
        help_text=_("The first clients waiting get the link together; whoever confirms first books."),
    )
    waitlist_offer_minutes = forms.IntegerField(
        label=_("Waitlist: minutes to claim an offered time"),
        required=False,
        min_value=5,
        max_value=24 * 60,
        help_text=_("After that the time is offered to the next clients in line."),
    )

    def rules(self) -> dict:
        # An empty waitlist figure keeps the current one.
        return {
            field: value for field, value in self.cleaned_data.items() if value is not None or field in OPTIONAL_RULES
        }


# The rules whose empty value means something (no fixed interval: each service's duration).
OPTIONAL_RULES = ("slot_interval_minutes",)


class ReportPeriodForm(forms.Form):
    """The reports page's period and professional (empty dates: this week)."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("Until"), required=False, widget=DATE_WIDGET)
    professional = forms.ModelChoiceField(
        label=_("Professional"), queryset=None, required=False, empty_label=_("All professionals")
    )

    def __init__(self, *args, business, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["professional"].queryset = business.professionals.all()
