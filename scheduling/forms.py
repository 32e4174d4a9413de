"""Dashboard forms of the agenda and its settings: they check the shape of the input only.

Every rule (free times, transitions, who performs what, intervals that overlap) belongs to
`scheduling.services`; the views put its errors back on these forms.
"""

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
    professional_id = forms.ChoiceField(label=_("Professional"), required=False)
    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET)

    def __init__(self, *args, services, professionals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_id"].choices = [(ANY, _("Choose a service")), *_choices(services)]
        self.fields["professional_id"].choices = _choices(professionals, _("Any professional"))


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


class WorkingHoursForm(forms.Form):
    """A week: per weekday, `pairs` intervals (start, end); an empty pair is no interval.

    Two pairs make a day with a break (09:00-12:00 and 13:00-18:00); an empty day is closed.
    """

    def __init__(self, *args, pairs: int = 2, **kwargs):
        super().__init__(*args, **kwargs)
        self.pairs = pairs
        for weekday in Weekday:
            for pair in range(1, pairs + 1):
                # Short labels: the template groups each pair under its day (and "after a break").
                self.fields[self.name(weekday, pair, "start")] = forms.TimeField(
                    label=_("From"), required=False, widget=TIME_WIDGET, input_formats=["%H:%M"]
                )
                self.fields[self.name(weekday, pair, "end")] = forms.TimeField(
                    label=_("Until"), required=False, widget=TIME_WIDGET, input_formats=["%H:%M"]
                )

    @staticmethod
    def name(weekday: int, pair: int, end: str) -> str:
        return f"d{weekday}_{end}{pair}"

    @classmethod
    def initial_for(cls, hours) -> dict[str, time]:
        """Fill the week from a professional's WorkingHours rows."""
        initial, seen = {}, {}
        for row in sorted(hours, key=lambda row: (row.weekday, row.start_time)):
            pair = seen[row.weekday] = seen.get(row.weekday, 0) + 1
            initial[cls.name(row.weekday, pair, "start")] = row.start_time
            initial[cls.name(row.weekday, pair, "end")] = row.end_time
        return initial

    def days(self):
        """Yield (weekday, [(start field, end field), ...]) for the template."""
        for weekday in Weekday:
            yield (
                weekday,
                [
                    (self[self.name(weekday, pair, "start")], self[self.name(weekday, pair, "end")])
                    for pair in range(1, self.pairs + 1)
                ],
            )

    def clean(self):
        cleaned = super().clean()
        for weekday in Weekday:
            for pair in range(1, self.pairs + 1):
                start_name, end_name = self.name(weekday, pair, "start"), self.name(weekday, pair, "end")
                start, end = cleaned.get(start_name), cleaned.get(end_name)
                if (start is None) != (end is None) and start_name not in self.errors and end_name not in self.errors:
                    missing = end_name if end is None else start_name
                    self.add_error(missing, _("Fill in both times, or leave both empty."))
        return cleaned

    def intervals(self) -> list[dict]:
        """The week as `working_hours_replace` takes it."""
        return [
            {"weekday": int(weekday), "start_time": start, "end_time": end}
            for weekday in Weekday
            for pair in range(1, self.pairs + 1)
            if (start := self.cleaned_data.get(self.name(weekday, pair, "start")))
            and (end := self.cleaned_data.get(self.name(weekday, pair, "end")))
        ]


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
        min_value=0,
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

    def rules(self) -> dict:
        return dict(self.cleaned_data)


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
