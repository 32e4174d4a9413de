from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import PlanType


class PlanChangeForm(forms.Form):
    plan_type = forms.ChoiceField(label=_("Plan"), choices=PlanType.choices, widget=forms.RadioSelect)
