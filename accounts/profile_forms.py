"""Forms of the business profile page: they check the input's shape; accounts.services apply it."""

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.images import LOGO_FORMATS, LOGO_MAX_BYTES
from accounts.models import BUSINESS_DESCRIPTION_MAX_LENGTH, Business
from agendazap.templatetags.dashboard import phone


class BusinessProfileForm(forms.Form):
    """Named like the API's profile keys, so the service's errors land on their fields."""

    business_name = forms.CharField(
        label=_("Business name"), max_length=255, widget=forms.TextInput(attrs={"autocomplete": "organization"})
    )
    business_slug = forms.CharField(
        label=_("Booking page address"),
        max_length=Business._meta.get_field("slug").max_length,
        help_text=_(
            "Lowercase letters, digits and hyphens. If you change it, the old link (and printed QR codes) stop working."
        ),
        widget=forms.TextInput(attrs={"autocapitalize": "none", "spellcheck": "false"}),
    )
    description = forms.CharField(
        label=_("Short description"),
        max_length=BUSINESS_DESCRIPTION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": BUSINESS_DESCRIPTION_MAX_LENGTH}),
    )
    address = forms.CharField(
        label=_("Address"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}),
    )
    whatsapp_number = forms.CharField(
        label=_("WhatsApp"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "(11) 98888-8888"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Filled in per request: the text is translated into the language of the page.
        self.fields["description"].help_text = gettext("Up to %(max)d characters, shown on your booking page.") % {
            "max": BUSINESS_DESCRIPTION_MAX_LENGTH
        }

    @classmethod
    def initial_for(cls, business: Business) -> dict:
        return {
            "business_name": business.name,
            "business_slug": business.slug,
            "description": business.description,
            "address": business.address,
            "whatsapp_number": phone(business.whatsapp_number) if business.whatsapp_number else "",
        }


class LogoForm(forms.Form):
    logo = forms.FileField(
        label=_("New logo"),
        widget=forms.FileInput(attrs={"accept": ",".join(LOGO_FORMATS.values())}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Filled in per request: the text is translated into the language of the page.
        self.fields["logo"].help_text = gettext("PNG, JPEG or WebP, up to %(max)d KB. A square image looks best.") % {
            "max": LOGO_MAX_BYTES // 1024
        }

    def clean_logo(self) -> bytes:
        upload = self.cleaned_data["logo"]
        if upload.size > LOGO_MAX_BYTES:
            raise ValidationError(
                gettext("The logo is too large (%(size)d KB). Send an image of at most %(max)d KB.")
                % {"size": (upload.size + 1023) // 1024, "max": LOGO_MAX_BYTES // 1024}
            )
        return upload.read()


class ProfilePasswordChangeForm(PasswordChangeForm):
    """Django's form (the old password, the new one twice, the password validators); saved by
    accounts.services.user_password_change, which also ends the login's other sessions."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Django focuses the old password: here it is the page's last form, not its first field.
        self.fields["old_password"].widget.attrs.pop("autofocus", None)
