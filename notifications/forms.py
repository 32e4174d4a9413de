import math
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications.models import Channel, Queue
from notifications.models import Status as MessageStatus
from notifications.services import REMINDER_MAX_MINUTES
from notifications.services.texts import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH


class MessageFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *MessageStatus.choices]
    )
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", _("Any channel")), *Channel.choices])

    def filters(self) -> dict:
        return {key: value for key, value in self.cleaned_data.items() if value}


class RetryQueueForm(forms.Form):
    queue = forms.ChoiceField(choices=Queue.choices)


class TemplateForm(forms.Form):
    subject = forms.CharField(label=_("Subject (email)"), max_length=SUBJECT_MAX_LENGTH, required=False)
    # The longest of any channel; the service holds each channel to its own.
    body = forms.CharField(
        label=_("Text"), max_length=max(BODY_MAX_LENGTH.values()), widget=forms.Textarea(attrs={"rows": 6})
    )


# The service's limit, checked here too so the error is worded in hours beside the field and no
# float overflows on the way to minutes.
REMINDER_MAX_HOURS = REMINDER_MAX_MINUTES // 60


class NotificationSettingsForm(forms.Form):
    reminder_hours = forms.CharField(
        label=_("Reminders (hours before, separated by commas)"),
        max_length=50,
        required=False,
        help_text=_("e.g. 24, 2. Empty: no reminders."),
    )
    follow_up_enabled = forms.BooleanField(label=_("Send a follow-up after a completed appointment"), required=False)
    follow_up_delay_hours = forms.IntegerField(label=_("Follow-up after (hours)"), min_value=0, max_value=24 * 60)
    notify_owner = forms.BooleanField(label=_("Tell me of bookings and cancellations made by clients"), required=False)

    def clean_reminder_hours(self) -> list[int]:
        parts = [part for part in re.split(r"[,;\s]+", self.cleaned_data["reminder_hours"].strip()) if part]
        not_numbers = forms.ValidationError(_("Write hours as numbers, e.g. 24, 2 or 0.5."))
        try:
            hours = [float(part) for part in parts]
        except ValueError:
            raise not_numbers from None
        if not all(math.isfinite(value) for value in hours):  # "nan", "inf", "1e400"
            raise not_numbers
        minutes = [round(value * 60) if 0 < value <= REMINDER_MAX_HOURS else 0 for value in hours]
        if not all(minutes):
            raise forms.ValidationError(
                _("Each reminder must be from 1 minute to %(hours)d hours (14 days) before the start."),
                params={"hours": REMINDER_MAX_HOURS},
            )
        return minutes
