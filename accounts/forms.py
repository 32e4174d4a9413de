from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.template.loader import render_to_string
from django.utils.translation import gettext_lazy as _

from accounts.models import TemplateType
from accounts.tenancy import business_for
from agendazap import events


class SignUpForm(forms.Form):
    business_name = forms.CharField(
        label=_("Business name"), max_length=255, widget=forms.TextInput(attrs={"autocomplete": "organization"})
    )
    email = forms.EmailField(label=_("Email"), max_length=255, widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, with letters and digits."),
    )
    template_type = forms.ChoiceField(
        label=_("How do you work?"),
        choices=TemplateType.choices,
        initial=TemplateType.SERVICE_TABLE,
        widget=forms.RadioSelect,
    )
    whatsapp_number = forms.CharField(
        label=_("WhatsApp (optional)"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "(11) 98888-8888"}),
    )


class LoginForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"), max_length=255, widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending its email through the outbox like every other message."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        subject = render_to_string(subject_template_name, context)
        body = render_to_string(email_template_name, context)
        user = context["user"]
        business = business_for(user)
        if business is None:
            return  # AgendaZap staff reset their password in the admin, not through the outbox
        events.emit(events.AccountEmailRequested(user=user, business=business, subject=subject, body=body))
