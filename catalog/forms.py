"""Dashboard forms of the service catalog: the shape of the input only.

Prices, durations, categories and who performs what are validated by `catalog.services`
(a `service_table` business must price every service, for instance); the views put those
errors back on these forms.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from agendazap.forms import BrazilianDecimalField, MoneyInput

ANY = ""
EVERYONE = "everyone"
CHOSEN = "chosen"


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
    price = BrazilianDecimalField(
        label=_("Price (R$)"),
        required=False,
        widget=MoneyInput(attrs={"placeholder": "0,00"}),
        help_text=_("For example 45 or 1.200,00."),
    )
    category_id = forms.ChoiceField(label=_("Category"), required=False)
    performed_by = forms.ChoiceField(
        label=_("Who performs it"),
        choices=[
            (EVERYONE, _("The whole team, including whoever joins later")),
            (CHOSEN, _("Only the people ticked below")),
        ],
        required=False,
        initial=EVERYONE,
        widget=forms.RadioSelect,
    )
    professional_ids = forms.MultipleChoiceField(
        label=_("Professionals"), required=False, widget=forms.CheckboxSelectMultiple
    )
    is_active = forms.BooleanField(label=_("Active: clients can book it"), required=False, initial=True)

    def __init__(self, *args, categories, professionals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category_id"].choices = [(ANY, _("No category")), *_choices(categories)]
        self.fields["professional_ids"].choices = [
            (str(professional.pk), professional_label(professional)) for professional in professionals
        ]

    @staticmethod
    def initial_for(service) -> dict:
        assigned = [str(professional.pk) for professional in service.professionals.all()]
        return {
            "name": service.name,
            "description": service.description,
            "duration": service.duration,
            "price": service.price,
            "category_id": str(service.category_id or ""),
            "performed_by": CHOSEN if assigned else EVERYONE,
            "professional_ids": assigned,
            "is_active": service.is_active,
        }

    def clean(self):
        cleaned = super().clean()
        ticked = cleaned.get("professional_ids") or []
        # A client that sends no choice (an older page) means what it ticked.
        cleaned["performed_by"] = cleaned.get("performed_by") or (CHOSEN if ticked else EVERYONE)
        if cleaned["performed_by"] == CHOSEN and not ticked and "professional_ids" not in self.errors:
            self.add_error("professional_ids", _("Tick who performs it, or choose the whole team."))
        if cleaned["performed_by"] == EVERYONE and ticked:
            # Saving "everyone" would quietly drop the ticks; saving the ticks would ignore the choice.
            self.add_error(
                "performed_by", _("You chose the whole team and also ticked people: choose one or the other.")
            )
        return cleaned

    def service_data(self) -> dict:
        """The fields as `catalog.services` takes them: an empty `professional_ids` is the whole team."""
        data = {key: value for key, value in self.cleaned_data.items() if key != "performed_by"}
        if self.cleaned_data["performed_by"] == EVERYONE:
            data["professional_ids"] = []
        return data


def professional_label(professional) -> str:
    """A professional as the catalog lists them: the owner and anyone inactive say so."""
    if professional.is_owner:
        return _("%(name)s (owner)") % {"name": professional.name}
    if not professional.is_active:
        return _("%(name)s (inactive)") % {"name": professional.name}
    return professional.name


class CategoryForm(forms.Form):
    name = forms.CharField(label=_("Category name"), max_length=100)
