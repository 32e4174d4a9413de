"""Account writes: registration, profile, email verification, login and JWT lifecycle.

Both the HTML views and the API views call these functions; they raise
`ValidationError` for bad input and `agendazap.errors` for the other outcomes.
"""

import hashlib
import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken
from rest_framework_simplejwt.utils import datetime_from_epoch

from accounts.authentication import PASSWORD_VERSION_CLAIM, password_changed_since
from accounts.images import logo_encode
from accounts.models import (
    BUSINESS_DESCRIPTION_MAX_LENGTH,
    Business,
    BusinessLogo,
    LoginAttempt,
    Membership,
    RevokedAccessToken,
    Role,
    TemplateType,
    User,
)
from accounts.tenancy import business_for, membership_for
from accounts.validators import validate_timezone
from agendazap import events
from agendazap.errors import InvalidCredentials, InvalidToken, TooManyAttempts
from agendazap.ids import as_uuid
from agendazap.phones import phone_to_e164
from agendazap.ratelimit import allow

EMAIL_VERIFICATION_SALT = "accounts.email-verification"
VERIFICATION_RESENDS_PER_HOUR = 3
PASSWORD_RESETS_PER_EMAIL_HOUR = 3
PASSWORD_RESETS_PER_IP_HOUR = 10
# Paths of the site that a business slug must not shadow.
RESERVED_SLUGS = frozenset({"admin", "api", "b", "static", "media", "health", "accounts", "dashboard", "www"})
SLUG_MAX_LENGTH = Business._meta.get_field("slug").max_length


# --- Registration and profile ---------------------------------------------------------
def user_register_validate(
    *, email: str | None, password: str | None, template_type: str | None, whatsapp_number: str | None = ""
) -> tuple[str, str]:
    """Check a sign-up, every error at once, writing nothing; return the email and number as stored.

    A value the caller already refused (None) is left to the caller's own error.
    """
    errors: dict[str, list[str]] = {}
    email = User.objects.normalize_email_address(email or "")
    if email and User.objects.filter(email=email).exists():
        errors["email"] = [_("An account with this email already exists.")]
    if template_type is not None and template_type not in TemplateType.values:
        errors["template_type"] = [_("Choose consultation or service_table.")]
    try:
        whatsapp_number = phone_to_e164(whatsapp_number) if whatsapp_number else ""
    except ValidationError as exc:
        errors["whatsapp_number"] = exc.messages
    if password is not None:
        try:
            validate_password(password, user=User(email=email))
        except ValidationError as exc:
            errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return email, whatsapp_number


@transaction.atomic
def user_register(
    *,
    email: str,
    password: str,
    template_type: str = TemplateType.SERVICE_TABLE,
    business_name: str = "",
    whatsapp_number: str = "",
) -> User:
    """Create a business and its owner's login, and send the email verification link."""
    email, whatsapp_number = user_register_validate(
        email=email, password=password, template_type=template_type, whatsapp_number=whatsapp_number
    )
    business_name = (business_name or "").strip()
    user = User(email=email)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError as exc:
        # Two sign-ups with one email at the same instant: the unique index decides.
        raise ValidationError({"email": [_("An account with this email already exists.")]}) from exc
    business = Business.objects.create(
        name=business_name,
        slug=_available_slug(business_name or email.split("@")[0]),
        template_type=template_type,
        whatsapp_number=whatsapp_number,
    )
    Membership.objects.create(user=user, business=business, role=Role.OWNER)
    user.last_business = business
    user.save(update_fields=["last_business", "updated_at"])
    events.emit(events.AccountRegistered(user=user, business=business))
    email_verification_send(user=user)
    return user


def _available_slug(text: str) -> str:
    base = slugify(text)[:50].strip("-") or "negocio"
    if base in RESERVED_SLUGS:
        base = f"{base}-agenda"
    taken = set(Business.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    candidate, suffix = base, 2
    while candidate in taken:
        candidate, suffix = f"{base}-{suffix}", suffix + 1
    return candidate


@dataclass(frozen=True)
class Profile:
    """A login as the profile shows it: the login, the business it works in and its role there."""

    user: User
    business: Business | None
    role: str | None = None


def profile_get(*, user: User, membership: Membership | None = None) -> Profile:
    membership = membership or membership_for(user)
    if membership is None:
        return Profile(user=user, business=None)
    return Profile(user=user, business=membership.business, role=membership.role)


# The profile's keys and where they live: the login's email, the rest the business's.
PROFILE_BUSINESS_FIELDS = {
    "business_name": "name",
    "business_slug": "slug",
    "template_type": "template_type",
    "whatsapp_number": "whatsapp_number",
    "address": "address",
    "timezone": "timezone",
    "description": "description",
}


@transaction.atomic
def user_profile_update(*, user: User, data: dict[str, Any]) -> Profile:
    """Apply a partial profile update; a new email must be verified again."""
    profile = profile_get(user=user)
    business = profile.business
    errors: dict[str, list[str]] = {}
    new_email = None
    if "email" in data:
        try:
            new_email = _clean_profile_value(user, business, "email", data["email"])
        except ValidationError as exc:
            errors["email"] = exc.messages
    business_data = {field: value for field, value in data.items() if field in PROFILE_BUSINESS_FIELDS}
    if business is None:
        errors |= {field: [_("This login belongs to no business.")] for field in business_data}
        business_changes: dict[str, Any] = {}
    else:
        business_changes, business_errors = _business_profile_changes(business, business_data)
        errors |= business_errors
    if errors:
        raise ValidationError(errors)
    email_changed = new_email is not None and new_email != user.email
    if email_changed:
        user.email, user.is_verified = new_email, False
        try:
            with transaction.atomic():
                user.save(update_fields=["email", "is_verified", "updated_at"])
        except IntegrityError as exc:
            raise ValidationError({"email": [_("This value is already in use.")]}) from exc
    if business_changes:
        _business_profile_save(business, business_changes)
    if email_changed:
        email_verification_send(user=user)
    return profile


@transaction.atomic
def business_profile_update(*, business: Business, data: dict[str, Any]) -> Business:
    """Apply a partial update of the business's profile, keyed like the API's profile
    (`business_name`, `business_slug`, `whatsapp_number`, `address`, `description`, ...).

    A new slug moves the public booking page: its old address stops working.
    """
    unknown = set(data) - set(PROFILE_BUSINESS_FIELDS)
    if unknown:
        raise ValueError(f"not fields of the business profile: {sorted(unknown)}")
    changes, errors = _business_profile_changes(business, data)
    if errors:
        raise ValidationError(errors)
    if changes:
        _business_profile_save(business, changes)
    return business


def _business_profile_changes(business: Business, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list]]:
    """The model fields that `data` changes, and the errors of the keys that are not valid."""
    changes: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for field, raw in data.items():
        try:
            value = _clean_profile_value(None, business, field, raw)
        except ValidationError as exc:
            errors[field] = exc.messages
            continue
        if value != getattr(business, PROFILE_BUSINESS_FIELDS[field]):
            changes[PROFILE_BUSINESS_FIELDS[field]] = value
    return changes, errors


def _business_profile_save(business: Business, changes: dict[str, Any]) -> None:
    for field, value in changes.items():
        setattr(business, field, value)
    try:
        with transaction.atomic():
            business.save(update_fields=[*changes, "updated_at"])
    except IntegrityError as exc:
        # Two businesses taking one free slug at the same instant: the unique index decides.
        raise ValidationError({"business_slug": [_("This address is already in use.")]}) from exc


def _clean_profile_value(user: User | None, business: Business | None, field: str, value: Any) -> Any:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError(_("Must be text."))
    value = value.strip()
    if field == "email":
        value = User.objects.normalize_email_address(value)
        if not value:
            raise ValidationError(_("This field may not be blank."))
        if User.objects.filter(email=value).exclude(pk=user.pk).exists():
            raise ValidationError(_("An account with this email already exists."))
    elif field == "business_slug":
        value = value.lower()
        if not value or slugify(value) != value:
            raise ValidationError(_("Use only lowercase letters, digits and hyphens."))
        if len(value) > SLUG_MAX_LENGTH:
            raise ValidationError(_("Use at most %(max)d characters.") % {"max": SLUG_MAX_LENGTH})
        if value in RESERVED_SLUGS:
            raise ValidationError(_("This address is reserved. Choose another."))
        if Business.objects.filter(slug=value).exclude(pk=business.pk).exists():
            raise ValidationError(_("This address is already in use."))
    elif field == "template_type":
        if value not in TemplateType.values:
            raise ValidationError(_("Choose consultation or service_table."))
    elif field == "whatsapp_number":
        value = phone_to_e164(value) if value else ""
    elif field == "timezone":
        validate_timezone(value)
    elif field == "description":
        value = " ".join(value.split())  # one paragraph: the page shows it as such
        if len(value) > BUSINESS_DESCRIPTION_MAX_LENGTH:
            raise ValidationError(
                _("Use at most %(max)d characters (it has %(length)d).")
                % {"max": BUSINESS_DESCRIPTION_MAX_LENGTH, "length": len(value)}
            )
    return value


# --- Logo and password ------------------------------------------------------------------
def business_logo_set(*, business: Business, data: bytes) -> BusinessLogo:
    """Replace the business's logo with `data` (PNG, JPEG or WebP), stored re-encoded and small."""
    try:
        image = logo_encode(data)
    except ValidationError as exc:
        raise ValidationError({"logo": exc.messages}) from exc
    logo, _created = BusinessLogo.objects.update_or_create(
        business=business,
        defaults={
            "data": image.data,
            "content_type": image.content_type,
            "digest": hashlib.sha256(image.data).hexdigest(),
        },
    )
    return logo


def business_logo_remove(*, business: Business) -> bool:
    """Remove the business's logo; False when it had none."""
    deleted, _details = BusinessLogo.objects.filter(business=business).delete()
    return bool(deleted)


@transaction.atomic
def user_password_change(*, user: User, new_password: str) -> None:
    """Set a new password (already checked against the old one and the validators by the caller's form).

    Every session of the login ends, as after a password reset: the dashboard's because the
    session's hash no longer matches (the caller keeps its own with update_session_auth_hash),
    the API's because their tokens carry the password's former version (User.save counts it).
    """
    user.set_password(new_password)
    user.save(update_fields=["password", "updated_at"])


# --- Email verification -----------------------------------------------------------------
def email_verification_token(user: User) -> str:
    # The email is part of the payload, so a link sent to an old address dies when it changes.
    return signing.dumps({"user": str(user.pk), "email": user.email}, salt=EMAIL_VERIFICATION_SALT)


def email_verification_send(*, user: User) -> None:
    """Email the verification link (through the outbox, sent once the transaction commits)."""
    url = settings.PUBLIC_BASE_URL + reverse("accounts:verify-email", args=[email_verification_token(user)])
    context = {"user": user, "url": url, "max_age_days": settings.EMAIL_VERIFICATION_MAX_AGE_DAYS}
    subject = _("Confirm your email on AgendaZap")
    body = render_to_string("accounts/email/verify_email.txt", context)
    business = business_for(user)
    if business is not None:  # staff logins are verified by whoever created them
        events.emit(events.AccountEmailRequested(user=user, business=business, subject=subject, body=body))


def email_verification_resend(*, user: User) -> None:
    """Send the link again, at most a few times an hour (each send is an email to someone's inbox)."""
    if user.is_verified:
        return
    if not allow(f"verify-email:{user.pk}", limit=VERIFICATION_RESENDS_PER_HOUR, window_seconds=3600):
        raise TooManyAttempts(_("We already sent you several links. Try again in an hour."), retry_after=3600)
    email_verification_send(user=user)


def password_reset_allowed(*, email: str, ip_address: str) -> None:
    """Refuse (429) a reset email beyond a few per address and per client IP an hour."""
    email = User.objects.normalize_email_address(email)
    if not (
        allow(f"password-reset:ip:{ip_address}", limit=PASSWORD_RESETS_PER_IP_HOUR, window_seconds=3600)
        and allow(f"password-reset:email:{email}", limit=PASSWORD_RESETS_PER_EMAIL_HOUR, window_seconds=3600)
    ):
        raise TooManyAttempts(_("Too many reset requests. Try again in an hour."), retry_after=3600)


def email_verify(*, token: str) -> User:
    """Mark the account whose signed link this is as verified."""
    max_age = timedelta(days=settings.EMAIL_VERIFICATION_MAX_AGE_DAYS)
    try:
        payload = signing.loads(token, salt=EMAIL_VERIFICATION_SALT, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise ValidationError({"token": [_("This link has expired. Ask for a new one.")]}) from exc
    except signing.BadSignature as exc:
        raise ValidationError({"token": [_("This link is invalid.")]}) from exc
    user = User.objects.filter(pk=payload.get("user"), email=payload.get("email")).first()
    if user is None:
        raise ValidationError({"token": [_("This link is invalid.")]})
    if not user.is_verified:
        user.is_verified = True
        user.save(update_fields=["is_verified", "updated_at"])
    return user


# --- Login ------------------------------------------------------------------------------
def login_authenticate(*, email: str, password: str, ip_address: str) -> User:
    """Check credentials, refusing with 429 after too many failures per email or per IP.

    The attempt is recorded *before* the password is checked and the count includes it, so
    concurrent attempts cannot all slip under the limit.
    """
    email = User.objects.normalize_email_address(email)
    now = timezone.now()
    window = timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
    since = now - window
    attempt = LoginAttempt.objects.create(email=email, ip_address=ip_address, created_at=now)
    recent = LoginAttempt.objects.filter(created_at__gte=since)
    for rows, limit in (
        (recent.filter(email=email), settings.LOGIN_MAX_FAILURES_PER_EMAIL),
        (recent.filter(ip_address=ip_address), settings.LOGIN_MAX_FAILURES_PER_IP),
    ):
        if rows.count() > limit:
            attempt.delete()
            # One more attempt is allowed once enough of the oldest failures leave the window.
            times = list(rows.order_by("created_at").values_list("created_at", flat=True))
            oldest_to_expire = times[max(len(times) - limit, 0)]
            retry_after = math.ceil((oldest_to_expire + window - now).total_seconds())
            raise TooManyAttempts(retry_after=max(retry_after, 1))

    user = authenticate(username=email, password=password)
    if user is None:
        raise InvalidCredentials()
    LoginAttempt.objects.filter(email=email).delete()
    update_last_login(None, user)
    return user


# --- JWT lifecycle ------------------------------------------------------------------------
def tokens_issue(*, user: User, membership: Membership | None = None) -> dict[str, Any]:
    """A token pair for the login working in `membership`'s business (default: its last one).

    The tokens name the business and the role held there, and the password's version: removing
    the member, changing its role or its password ends them on their next use
    (`accounts.authentication`).
    """
    membership = membership or membership_for(user)
    refresh = RefreshToken.for_user(user)
    refresh[PASSWORD_VERSION_CLAIM] = user.password_version
    if membership is not None:
        refresh["business_id"] = str(membership.business_id)
        refresh["role"] = membership.role
    return {
        "access_token": str(refresh.access_token),
        "refresh_token": str(refresh),
        "token_type": "bearer",
        "expires_in": int(jwt_settings.ACCESS_TOKEN_LIFETIME.total_seconds()),
    }


def tokens_refresh(*, refresh_token: str) -> tuple[User, dict[str, Any]]:
    """Trade a refresh token for a new pair in the same business. Each refresh token works exactly once."""
    token = _parse_refresh_token(refresh_token)
    user = User.objects.filter(pk=token.get(jwt_settings.USER_ID_CLAIM), is_active=True).first()
    if user is None:
        raise InvalidToken()
    if password_changed_since(token, user):
        raise InvalidToken(_("This session has ended. Log in again."), code="password_changed")
    membership = membership_for(user, business_id=token.get("business_id"))
    if "business_id" in token and (membership is None or membership.role != token.get("role")):
        raise InvalidToken(_("This session has ended. Log in again."))
    outstanding = _outstanding_for(token, user)
    try:
        with transaction.atomic():
            # The one-to-one unique index lets exactly one concurrent refresh win; simplejwt's
            # own blacklist() uses get_or_create and would let both through.
            BlacklistedToken.objects.create(token=outstanding)
    except IntegrityError as exc:
        raise InvalidToken(_("This refresh token has already been used.")) from exc
    return user, tokens_issue(user=user, membership=membership)


def business_switch(*, user: User, business_id) -> Membership:
    """Work in another of the login's businesses from now on (404 for a business it is not in)."""
    membership = membership_for(user, business_id=as_uuid(business_id)) if as_uuid(business_id) else None
    if membership is None:
        raise Http404
    user.last_business = membership.business
    user.save(update_fields=["last_business", "updated_at"])
    return membership


@transaction.atomic
def tokens_revoke(*, user: User, refresh_token: str, access_token: AccessToken) -> None:
    """End a session: the refresh token and the access token used both stop working."""
    try:
        token = RefreshToken(refresh_token)
    except TokenError as exc:
        raise ValidationError({"refresh_token": [_("Token is invalid or expired.")]}) from exc
    if str(token.get(jwt_settings.USER_ID_CLAIM)) != str(user.pk):
        raise ValidationError({"refresh_token": [_("Token is invalid or expired.")]})
    BlacklistedToken.objects.get_or_create(token=_outstanding_for(token, user))
    RevokedAccessToken.objects.get_or_create(
        jti=access_token[jwt_settings.JTI_CLAIM],
        defaults={"user": user, "expires_at": datetime_from_epoch(access_token["exp"])},
    )


def _parse_refresh_token(raw: str) -> RefreshToken:
    try:
        return RefreshToken(raw)
    except TokenError as exc:
        raise InvalidToken() from exc


def _outstanding_for(token: RefreshToken, user: User) -> OutstandingToken:
    outstanding, _created = OutstandingToken.objects.get_or_create(
        jti=token[jwt_settings.JTI_CLAIM],
        defaults={
            "user": user,
            "token": str(token),
            "created_at": datetime_from_epoch(token["iat"]) if "iat" in token else timezone.now(),
            "expires_at": datetime_from_epoch(token["exp"]),
        },
    )
    return outstanding


def auth_records_purge() -> dict[str, int]:
    """Delete login attempts past their window and revoked tokens past their expiry."""
    now = timezone.now()
    window = timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)
    attempts, _details = LoginAttempt.objects.filter(created_at__lt=now - window).delete()
    revoked, _details = RevokedAccessToken.objects.filter(expires_at__lt=now).delete()
    outstanding, _details = OutstandingToken.objects.filter(expires_at__lt=now).delete()
    return {"login_attempts": attempts, "revoked_access_tokens": revoked, "outstanding_tokens": outstanding}
