"""Dashboard forms of the client book: the shape of the input only.

Phone numbers, duplicates and tags are validated by `crm.services`; the views put those
errors back on these forms.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.models import CommunicationPreference

ALL = "all"


class ClientFilterForm(forms.Form):
    query = forms.CharField(
        label=_("Search"),
        max_length=255,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, email or WhatsApp digits")}),
    )
    is_active = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("true", _("Active clients")), ("false", _("Inactive clients")), (ALL, _("All clients"))],
    )
    is_vip = forms.ChoiceField(label=_("VIP"), required=False, choices=[("", _("VIP or not")), ("true", _("VIP only"))])
    ordering = forms.ChoiceField(
        label=_("Order by"),
        required=False,
        choices=[
            ("name", _("Name")),
            ("-last_appointment_at", _("Most recent visit")),
            ("-total_appointments", _("Most appointments")),
            ("-frequency_score", _("Frequency score")),
            ("-total_spent", _("Total spent")),
            ("-created_at", _("Newest clients")),
        ],
    )

    def filters(self) -> dict:
        """The filters as `crm.selectors.client_list` reads them (empty ones and "all" left out)."""
        return {key: value for key, value in self.cleaned_data.items() if value and value != ALL}


class ClientForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    whatsapp = forms.CharField(
        label=_("WhatsApp"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "placeholder": "(11) 98888-8888"}),
    )
    email = forms.EmailField(label=_("Email (optional)"), max_length=255, required=False)
    is_vip = forms.BooleanField(label=_("VIP client"), required=False)
    communication_preference = forms.ChoiceField(
        label=_("Send messages by"), choices=CommunicationPreference.choices, widget=forms.RadioSelect
    )
    birth_date = forms.DateField(
        label=_("Birth date (optional)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    tags = forms.CharField(
        label=_("Tags (optional)"),
        required=False,
        max_length=2000,
        help_text=_("Separate them with commas, e.g. coloração, manhã."),
    )
    notes = forms.CharField(label=_("Notes (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    address = forms.CharField(label=_("Address (optional)"), required=False, max_length=1000)
    city = forms.CharField(label=_("City (optional)"), required=False, max_length=255)
    state = forms.CharField(label=_("State (optional)"), required=False, max_length=255)
    zip_code = forms.CharField(label=_("ZIP code (optional)"), required=False, max_length=255)

    def clean_tags(self) -> list[str]:
        return [tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()]

    @staticmethod
    def initial_for(client) -> dict:
        fields = ("name", "whatsapp", "email", "is_vip", "communication_preference", "birth_date", "notes")
        initial = {field: getattr(client, field) for field in fields}
        initial.update({field: getattr(client, field) for field in ("address", "city", "state", "zip_code")})
        initial["tags"] = ", ".join(client.tags or [])
        return initial


class ClientActiveForm(forms.Form):
    is_active = forms.TypedChoiceField(
        choices=[("true", _("Active")), ("false", _("Inactive"))], coerce=lambda value: value == "true"
    )


class ClientEraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand: the name, phone, email, notes and address of this client will be erased for good."),
        error_messages={"required": _("Tick the box to confirm the erasure.")},
    )


class ClientNewForm(forms.Form):
    """A client added by hand: the essentials; the rest is on the edit page."""

    name = forms.CharField(label=_("Name"), max_length=255)
    whatsapp = forms.CharField(
        label=_("WhatsApp"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "placeholder": "(11) 98888-8888"}),
    )
    email = forms.EmailField(label=_("Email (optional)"), max_length=255, required=False)
    notes = forms.CharField(label=_("Notes (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class ClientImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "A header row naming the columns name (or nome), phone (or telefone, whatsapp) and email; "
            "separated by commas or semicolons. A file exported here imports as it is."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
