"""The business profile page: what clients see of the business, its logo, and the login's password.

Here in the composition root because it shows scheduling's opening hours beside the accounts' profile.
"""

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts import services
from accounts.booking_link import booking_page_url
from accounts.models import BusinessLogo
from accounts.permissions import Action, permission_required
from accounts.profile_forms import BusinessProfileForm, LogoForm, ProfilePasswordChangeForm
from agendazap.forms import add_service_errors
from scheduling import selectors as scheduling_selectors

# The hidden `form` field of each form on the page.
PROFILE, LOGO, LOGO_REMOVE, PASSWORD = "profile", "logo", "logo-remove", "password"


@login_required
@permission_required(Action.SETTINGS_MANAGE)
def business_profile(request: HttpRequest) -> HttpResponse:
    """Edit the business's profile and logo, and change the login's password; each form posts here."""
    business = request.business
    posted = request.POST.get("form") if request.method == "POST" else None
    profile_form = BusinessProfileForm(
        request.POST if posted == PROFILE else None, initial=BusinessProfileForm.initial_for(business)
    )
    logo_form = LogoForm(request.POST if posted == LOGO else None, request.FILES if posted == LOGO else None)
    password_form = ProfilePasswordChangeForm(request.user, request.POST if posted == PASSWORD else None)

    if posted == PROFILE and profile_form.is_valid():
        old_slug = business.slug
        try:
            services.business_profile_update(business=business, data=profile_form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(profile_form, exc)
        else:
            messages.success(request, _("Your business profile is saved."))
            if business.slug != old_slug:
                messages.warning(
                    request,
                    _("Your booking page moved to %(url)s. The old link no longer works: share the new one.")
                    % {"url": booking_page_url(business)},
                )
            return redirect("dashboard:settings-profile")
    elif posted == LOGO and logo_form.is_valid():
        try:
            services.business_logo_set(business=business, data=logo_form.cleaned_data["logo"])
        except ValidationError as exc:
            add_service_errors(logo_form, exc)
        else:
            messages.success(request, _("Your logo is saved."))
            return redirect("dashboard:settings-profile")
    elif posted == LOGO_REMOVE:
        if services.business_logo_remove(business=business):
            messages.success(request, _("Your logo was removed."))
        return redirect("dashboard:settings-profile")
    elif posted == PASSWORD and password_form.is_valid():
        services.user_password_change(user=request.user, new_password=password_form.cleaned_data["new_password1"])
        update_session_auth_hash(request, request.user)  # this session goes on; the others end
        messages.success(request, _("Your password was changed. Your other sessions were logged out."))
        return redirect("dashboard:settings-profile")
    elif posted is not None and posted not in (PROFILE, LOGO, PASSWORD):
        return HttpResponse(_("Unknown form."), status=400, content_type="text/plain; charset=utf-8")

    failed = any(form.errors for form in (profile_form, logo_form, password_form))
    context = {
        "profile_form": profile_form,
        "logo_form": logo_form,
        "password_form": password_form,
        "logo": BusinessLogo.objects.filter(business=business).only("digest", "business_id").first(),
        "week": scheduling_selectors.business_week(business=business),
        "booking_url": booking_page_url(business),
    }
    return render(request, "accounts/business_profile.html", context, status=400 if failed else 200)
