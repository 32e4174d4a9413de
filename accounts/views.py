import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from accounts import services
from accounts.forms import LoginForm, OutboxPasswordResetForm, SignUpForm
from accounts.models import BusinessLogo
from accounts.permissions import public
from accounts.tenancy import membership_for, session_switch
from accounts.throttles import RegistrationThrottle
from agendazap.errors import InvalidCredentials, TooManyAttempts
from agendazap.forms import add_rule_errors, add_service_errors
from agendazap.http import client_ip

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
# A logo's URL names its version, so a browser may keep it for good: a new logo has a new URL.
LOGO_CACHE_CONTROL = "public, max-age=31536000, immutable"


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard:home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # The API's budget: the sign-up page must not be a way around it.
        throttle = RegistrationThrottle()
        if not throttle.allow_request(request, None):
            form.add_error(None, _("Too many sign-ups from this address. Try again later."))
            response = render(request, "accounts/signup.html", {"form": form}, status=429)
            response["Retry-After"] = str(math.ceil(throttle.wait() or 1))
            return response
        try:
            user = services.user_register(**form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            _log_in(request, user)
            messages.success(request, _("Welcome! We sent a link to %(email)s to confirm it.") % {"email": user.email})
            return redirect("dashboard:home")
    elif request.method == "POST":
        add_rule_errors(
            form,
            lambda fields: services.user_register_validate(
                email=fields.get("email"),
                password=fields.get("password"),
                template_type=fields.get("template_type"),
                whatsapp_number=fields.get("whatsapp_number"),
            ),
        )
    return render(request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200)


def _log_in(request: HttpRequest, user) -> None:
    """Start a dashboard session in the business the login used last (with its role there)."""
    login(request, user, backend=MODEL_BACKEND)
    membership = membership_for(user)
    if membership is not None:
        session_switch(request, membership)


@login_required
@require_POST
def switch_business(request: HttpRequest) -> HttpResponse:
    """Work in another business of the login from now on (the dashboard's switcher)."""
    membership = services.business_switch(user=request.user, business_id=request.POST.get("business_id", ""))
    session_switch(request, membership)
    messages.success(request, _("You are now working in %(business)s.") % {"business": membership.business})
    return redirect("dashboard:home")


def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    if request.user.is_authenticated:
        return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    form = LoginForm(request.POST or None)
    status, retry_after = 200, None
    if request.method == "POST" and form.is_valid():
        try:
            user = services.login_authenticate(**form.cleaned_data, ip_address=client_ip(request))
        except InvalidCredentials:
            form.add_error(None, _("Email or password is wrong."))
        except TooManyAttempts as exc:
            minutes = math.ceil(exc.retry_after / 60)
            form.add_error(
                None,
                ngettext(
                    "Too many failed attempts. Try again in %(minutes)d minute.",
                    "Too many failed attempts. Try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"minutes": minutes},
            )
            status, retry_after = 429, exc.retry_after
        else:
            _log_in(request, user)
            return redirect(next_url or settings.LOGIN_REDIRECT_URL)
    if form.errors and status == 200:
        status = 400
    response = render(request, "accounts/login.html", {"form": form, "next": next_url}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def verify_email(request: HttpRequest, token: str) -> HttpResponse:
    try:
        services.email_verify(token=token)
    except ValidationError as exc:
        return render(request, "accounts/verify_email_failed.html", {"errors": exc.messages}, status=400)
    messages.success(request, _("Your email is confirmed. Thank you!"))
    return redirect("dashboard:home" if request.user.is_authenticated else "accounts:login")


@login_required
@require_POST
def resend_verification(request: HttpRequest) -> HttpResponse:
    if not request.user.is_verified:
        try:
            services.email_verification_resend(user=request.user)
        except TooManyAttempts as exc:
            messages.warning(request, str(exc.detail))
        else:
            messages.info(request, _("We sent a new confirmation link to %(email)s.") % {"email": request.user.email})
    return redirect("dashboard:home")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset flow, with links built on PUBLIC_BASE_URL and a cap on emails sent."""

    template_name = "accounts/password_reset_form.html"
    form_class = OutboxPasswordResetForm
    email_template_name = "accounts/email/password_reset.txt"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")

    @property
    def extra_email_context(self):
        return {"base_url": settings.PUBLIC_BASE_URL}

    def form_valid(self, form):
        try:
            services.password_reset_allowed(email=form.cleaned_data["email"], ip_address=client_ip(self.request))
        except TooManyAttempts as exc:
            form.add_error(None, str(exc.detail))
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        return super().form_valid(form)


@public
@require_safe
def business_logo(request: HttpRequest, slug: str, version: str) -> HttpResponse:
    """The business's logo (public: its booking page shows it), cached for good under its version."""
    logo = BusinessLogo.objects.filter(business__slug=slug).only("data", "content_type", "digest").first()
    if logo is None or logo.version != version:
        raise Http404
    etag = f'"{logo.digest}"'
    if etag in (request.headers.get("If-None-Match") or ""):
        response = HttpResponseNotModified()
    else:
        response = HttpResponse(bytes(logo.data), content_type=logo.content_type)
        response["X-Content-Type-Options"] = "nosniff"
    response["ETag"] = etag
    response["Cache-Control"] = LOGO_CACHE_CONTROL
    return response
