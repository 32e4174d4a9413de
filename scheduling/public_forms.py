"""Forms of the public booking page and the client's manage page (shape only; rules are in services)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from agendazap.phones import phone_could_be_a_persons


class PublicBookingForm(forms.Form):
    start_time = forms.DateTimeField(widget=forms.HiddenInput)
    professional = forms.CharField(required=False, widget=forms.HiddenInput)
    client_name = forms.CharField(
        label=_("Your name"), max_length=255, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    client_whatsapp = forms.CharField(
        label=_("Your WhatsApp"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "(11) 98888-8888"}),
    )
    client_email = forms.EmailField(
        label=_("Email (optional)"),
        max_length=255,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    notes = forms.CharField(
        label=_("Notes for the business (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    consent_whatsapp = forms.BooleanField(
        label=_("I agree to receive the confirmation and reminders of this booking on WhatsApp."),
        required=False,
        # LGPD: consent is given by ticking, never assumed.
        initial=False,
    )
    # A field people never see: bots fill every input.
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    def clean_client_whatsapp(self) -> str:
        number = self.cleaned_data["client_whatsapp"]
        if not phone_could_be_a_persons(number):
            raise forms.ValidationError(
                _("This does not look like a mobile or landline number. Check the area code and the digits.")
            )
        return number


class RescheduleForm(forms.Form):
    start_time = forms.DateTimeField(widget=forms.HiddenInput)


class WaitlistJoinForm(forms.Form):
    """ "Let me know if a time frees up" on a day: the client's details and, optionally, when they can come."""

    date = forms.DateField(widget=forms.HiddenInput)
    professional = forms.CharField(required=False, widget=forms.HiddenInput)
    window_from = forms.TimeField(
        label=_("From (optional)"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    window_until = forms.TimeField(
        label=_("Until (optional)"), required=False, widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    client_name = forms.CharField(
        label=_("Your name"), max_length=255, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    client_whatsapp = forms.CharField(
        label=_("Your WhatsApp"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "(11) 98888-8888"}),
    )
    consent_whatsapp = forms.BooleanField(
        label=_("I agree to receive the offer of a freed time on WhatsApp."), required=False, initial=False
    )
    website = forms.CharField(required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="waitlist", **kwargs)
