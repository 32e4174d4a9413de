"""Dashboard forms of the service catalog: the shape of the input only.

Prices, durations, categories and who performs what are validated by `catalog.services`
(a `service_table` business must price every service, for instance); the views put those
errors back on these forms.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

ANY = ""


def _choices(rows) -> list[tuple[str, str]]:
    return [(str(row.pk), str(row)) for row in rows]


class ServiceFilterForm(forms.Form):
    query = forms.CharField(
        label=_("Search"), max_length=255, required=False, widget=forms.TextInput(attrs={"type": "search"})
    )
    category_id = forms.ChoiceField(label=_("Category"), required=False)
    is_active = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[(ANY, _("Active and inactive")), ("true", _("Active only")), ("false", _("Inactive only"))],
    )

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category_id"].choices = [(ANY, _("All categories")), *_choices(categories)]

    def filters(self) -> dict:
        """The filters as `catalog.selectors.service_list` reads them (empty ones left out)."""
        return {key: value for key, value in self.cleaned_data.items() if value}


class ServiceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255)
    description = forms.CharField(
        label=_("Description (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    duration = forms.IntegerField(
        label=_("Duration (minutes)"), widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": 5})
    )
    price = forms.DecimalField(
        label=_("Price (R$)"),
        required=False,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0,00"}),
    )
    category_id = forms.ChoiceField(label=_("Category"), required=False)
    professional_ids = forms.MultipleChoiceField(
        label=_("Who performs it"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None checked: everyone performs it."),
    )
    is_active = forms.BooleanField(label=_("Active: clients can book it"), required=False, initial=True)

    def __init__(self, *args, categories, professionals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category_id"].choices = [(ANY, _("No category")), *_choices(categories)]
        self.fields["professional_ids"].choices = _choices(professionals)

    @staticmethod
    def initial_for(service) -> dict:
        return {
            "name": service.name,
            "description": service.description,
            "duration": service.duration,
            "price": service.price,
            "category_id": str(service.category_id or ""),
            "professional_ids": [str(professional.pk) for professional in service.professionals.all()],
            "is_active": service.is_active,
        }


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Category name"), max_length=100)
