import django_filters
from django import forms
from django.utils.translation import gettext as _


class StrictBooleanField(forms.Field):
    """A yes/no query value that refuses anything else (`?is_active=banana` is a 400, not "no filter")."""

    TRUE = frozenset({"true", "1", "yes"})
    FALSE = frozenset({"false", "0", "no"})

    def to_python(self, value):
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise forms.ValidationError(_("Use true or false."), code="invalid")


class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField
