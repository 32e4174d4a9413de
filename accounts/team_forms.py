"""Forms of the team pages: they check shape; `accounts.team` checks the rules."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from accounts.team import INVITABLE_ROLES

ROLE_CHOICES = [(role, Role(role).label) for role in INVITABLE_ROLES]


class _AssignmentForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)
    professional_id = forms.ChoiceField(
        label=_("Agenda"),
        required=False,
        help_text=_("Required for a professional: the agenda their login works on."),
    )

    def __init__(self, *args, professionals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["professional_id"].choices = [("", _("No agenda")), *((str(p.pk), p.name) for p in professionals)]

    def assignment(self) -> dict:
        return {"role": self.cleaned_data["role"], "professional_id": self.cleaned_data["professional_id"] or None}


class InviteForm(_AssignmentForm):
    email = forms.EmailField(label=_("Email"), max_length=255, widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    field_order = ["email", "role", "professional_id"]


class MemberRoleForm(_AssignmentForm):
    pass


class InvitationPasswordForm(forms.Form):
    """The password of the login joining: a new one to choose, or the existing login's."""

    password = forms.CharField(label=_("Password"), strip=False, max_length=128, widget=forms.PasswordInput)

    def __init__(self, *args, new_login: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["password"]
        if new_login:
            field.label = _("Choose a password")
            field.help_text = _("At least 8 characters, with letters and digits.")
            field.widget.attrs["autocomplete"] = "new-password"
        else:
            field.label = _("Your AgendaZap password")
            field.widget.attrs["autocomplete"] = "current-password"
