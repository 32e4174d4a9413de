"""A business's team: invitations by email, members' roles and removal, ownership transfer.

The owner and managers manage the team (`team_manage_allowed`). An invitation is a link emailed
to someone; its token is stored only as a hash, so the link is in the email and nowhere else.
Accepting it creates the login (or joins an existing one) and its membership. The HTML pages
and the API both call these functions; another business's member or invitation is a 404.
"""

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Business, Invitation, Membership, Role, User
from accounts.permissions import Action, can
from agendazap import events
from agendazap.errors import TooManyAttempts
from agendazap.ids import as_uuid
from agendazap.ratelimit import allow

INVITATION_MAX_AGE = timedelta(days=7)
# Every invitation and resend is an email to someone's inbox: a few an hour per address.
INVITATION_EMAILS_PER_HOUR = 5
INVITABLE_ROLES = (Role.MANAGER, Role.RECEPTIONIST, Role.PROFESSIONAL)
ROLE_ORDER = {role: index for index, role in enumerate(Role.values)}


class KeepType:
    """The value of an update argument left out: the field keeps its value."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = KeepType()


class MemberStatus(StrEnum):
    INVITED = "invited"
    ACTIVE = "active"


@dataclass(frozen=True)
class TeamMember:
    """A row of the team list: an active membership, or an invitation not yet accepted.

    `id` is the membership's number or the invitation's UUID, as text: the two never collide.
    """

    id: str
    email: str
    name: str
    role: str
    professional_id: UUID | None
    status: MemberStatus
    expires_at: datetime | None

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()


class InvitationUnusable(ValidationError):
    """The link cannot be used; `reason` ("invalid", "used", "revoked", "expired") tells the page which."""

    def __init__(self, reason: str, message: str):
        super().__init__({"token": [message]})
        self.reason = reason


# --- Who manages the team --------------------------------------------------------------------
def team_manage_allowed(*, business: Business, user: User) -> bool:
    """Whether `user` may invite, change and remove members of `business` (the role table says)."""
    if not business or not user.is_authenticated:
        return False
    return can(Membership.objects.filter(business=business, user=user).first(), Action.TEAM_MANAGE)


def _require_team_manager(business: Business, user: User) -> None:
    if not team_manage_allowed(business=business, user=user):
        raise PermissionDenied(_("Only the owner or a manager can manage the team."))


# --- Reading the team --------------------------------------------------------------------------
def team_list(*, business: Business) -> list[TeamMember]:
    """Active members (owner first, then by role and arrival), then open invitations, newest first."""
    memberships = sorted(
        business.memberships.select_related("user", "professional"),
        key=lambda membership: (ROLE_ORDER[membership.role], membership.created_at),
    )
    invitations = business.invitations.open().select_related("professional").order_by("-created_at")
    return [*map(team_row, memberships), *map(team_row, invitations)]


def team_row(source: Membership | Invitation) -> TeamMember:
    professional = source.professional
    if isinstance(source, Membership):
        return TeamMember(
            id=str(source.pk),
            email=source.user.email,
            name=professional.name if professional else "",
            role=source.role,
            professional_id=source.professional_id,
            status=MemberStatus.ACTIVE,
            expires_at=None,
        )
    return TeamMember(
        id=str(source.pk),
        email=source.email,
        name=professional.name if professional else "",
        role=source.role,
        professional_id=source.professional_id,
        status=MemberStatus.INVITED,
        expires_at=source.expires_at,
    )


def team_member_get(*, business: Business, member_id: Any, for_update: bool = False) -> Membership | Invitation:
    """The business's membership (a number) or open invitation (a UUID) named `member_id`; 404 otherwise."""
    text = str(member_id)
    if text.isdigit():
        rows = Membership.objects.filter(business=business, pk=int(text)).select_related("user", "professional")
    elif (invitation_id := as_uuid(text)) is not None:
        rows = Invitation.objects.open().filter(business=business, pk=invitation_id).select_related("professional")
    else:
        raise Http404
    if for_update:
        rows = rows.select_for_update(of=("self",))
    row = rows.first()
    if row is None:
        raise Http404
    return row


def _membership_get(business: Business, membership_id: Any) -> Membership:
    row = team_member_get(business=business, member_id=membership_id, for_update=True)
    if not isinstance(row, Membership):
        raise Http404
    return row


def _invitation_get(business: Business, invitation_id: Any) -> Invitation:
    row = team_member_get(business=business, member_id=invitation_id, for_update=True)
    if not isinstance(row, Invitation):
        raise Http404
    return row


# --- Roles and agendas -------------------------------------------------------------------------
def _professional_of(business: Business, professional_id: Any):
    """The business's professional named in a request (None for none); 400 for anyone else's."""
    if professional_id is None:
        return None
    professional = business.professionals.filter(pk=as_uuid(professional_id)).first()
    if professional is None:
        raise ValidationError({"professional_id": [_("Choose one of the business's professionals.")]})
    return professional


def _check_assignment(business: Business, *, role: str, professional, membership: Membership | None = None) -> None:
    """A role anyone but the owner has; a professional's login is linked to its agenda, and an agenda to one login."""
    if role not in INVITABLE_ROLES:
        raise ValidationError({"role": [_("Choose manager, receptionist or professional.")]})
    if role == Role.PROFESSIONAL and professional is None:
        raise ValidationError({"professional_id": [_("Choose the agenda of this professional.")]})
    if professional is not None:
        others = Membership.objects.filter(business=business, professional=professional)
        if membership is not None:
            others = others.exclude(pk=membership.pk)
        if others.exists():
            raise ValidationError({"professional_id": [_("This agenda already belongs to another member.")]})


# --- Invitations -------------------------------------------------------------------------------
def _token_hash(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode()).hexdigest()


def _new_link(invitation: Invitation) -> str:
    """Give the invitation a fresh token and seven more days; return the raw token (the old link dies)."""
    raw_token = secrets.token_urlsafe(32)
    invitation.token_hash = _token_hash(raw_token)
    invitation.created_at = timezone.now()
    invitation.expires_at = invitation.created_at + INVITATION_MAX_AGE
    return raw_token


def invitation_url(raw_token: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse("accounts:invitation", args=[raw_token])


def _invitation_email_send(invitation: Invitation, raw_token: str, *, by: User) -> None:
    """Email the link (through the outbox, sent once the transaction commits)."""
    if not allow(
        f"invitation-email:{invitation.business_id}:{invitation.email}",
        limit=INVITATION_EMAILS_PER_HOUR,
        window_seconds=3600,
    ):
        raise TooManyAttempts(
            _("We already sent several invitations to this email. Try again in an hour."), retry_after=3600
        )
    business = invitation.business
    context = {
        "business": business,
        "inviter": by.email,
        "role": invitation.get_role_display(),
        "url": invitation_url(raw_token),
        "max_age_days": INVITATION_MAX_AGE.days,
    }
    subject = _("Invitation to join %(business)s on AgendaZap") % {"business": business}
    body = render_to_string("accounts/email/invitation.txt", context)
    events.emit(
        events.AccountEmailRequested(user=by, business=business, subject=subject, body=body, to=invitation.email)
    )


def invitation_validate(*, business: Business, email: Any, role: Any, professional_id: Any = None) -> tuple[str, Any]:
    """Check an invitation's email, role and agenda together, writing nothing; return the email and agenda."""
    errors: dict[str, list[str]] = {}
    email = User.objects.normalize_email_address(email or "")
    try:
        validate_email(email)
    except ValidationError as exc:
        errors["email"] = exc.messages
    else:
        if business.memberships.filter(user__email=email).exists():
            errors["email"] = [_("This email is already on the team.")]
    professional = _collecting(errors, lambda: _professional_of(business, professional_id))
    _collecting(errors, lambda: _check_assignment(business, role=role, professional=professional))
    if errors:
        raise ValidationError(errors)
    return email, professional


def _assigned(business: Business, *, role: Any, current, professional_id: Any, membership: Membership | None = None):
    """The agenda named (or `current`, kept), checked with the role; the role's and the agenda's errors together."""
    errors: dict[str, list[str]] = {}
    professional = (
        current if professional_id is KEEP else _collecting(errors, lambda: _professional_of(business, professional_id))
    )
    _collecting(
        errors, lambda: _check_assignment(business, role=role, professional=professional, membership=membership)
    )
    if errors:
        raise ValidationError(errors)
    return professional


def _collecting(errors: dict[str, list[str]], check: Callable[[], Any]) -> Any:
    """Run `check`; keep its field errors in `errors` (the first said about a field stays) and go on."""
    try:
        return check()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, messages)
        return None


@transaction.atomic
def invitation_create(
    *, business: Business, invited_by: User, email: str, role: str, professional_id: Any = None
) -> Invitation:
    """Invite `email` with `role` and email the link; inviting a pending email again sends it a fresh link."""
    _require_team_manager(business, invited_by)
    email, professional = invitation_validate(
        business=business, email=email, role=role, professional_id=professional_id
    )
    pending = business.invitations.open().select_for_update(of=("self",)).filter(email=email).first()
    invitation = pending or Invitation(business=business, email=email)
    invitation.role, invitation.professional, invitation.invited_by = role, professional, invited_by
    raw_token = _new_link(invitation)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError as exc:
        # The same email invited twice at the same instant: the open-invitation index keeps one.
        raise ValidationError({"email": [_("This email was invited a moment ago.")]}) from exc
    _invitation_email_send(invitation, raw_token, by=invited_by)
    return invitation


@transaction.atomic
def invitation_update(
    *, business: Business, invitation_id: Any, by: User, role: Any = KEEP, professional_id: Any = KEEP
) -> Invitation:
    """Change the role or agenda a pending invitation offers (the link stays the same)."""
    _require_team_manager(business, by)
    invitation = _invitation_get(business, invitation_id)
    role = invitation.role if role is KEEP else role
    professional = _assigned(business, role=role, current=invitation.professional, professional_id=professional_id)
    invitation.role, invitation.professional = role, professional
    invitation.save(update_fields=["role", "professional"])
    return invitation


@transaction.atomic
def invitation_resend(*, business: Business, invitation_id: Any, by: User) -> Invitation:
    """Email a fresh link, valid seven more days; the one sent before stops working."""
    _require_team_manager(business, by)
    invitation = _invitation_get(business, invitation_id)
    raw_token = _new_link(invitation)
    invitation.save(update_fields=["token_hash", "created_at", "expires_at"])
    _invitation_email_send(invitation, raw_token, by=by)
    return invitation


@transaction.atomic
def invitation_revoke(*, business: Business, invitation_id: Any, by: User) -> None:
    """Cancel a pending invitation: its link stops working."""
    _require_team_manager(business, by)
    invitation = _invitation_get(business, invitation_id)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])


def _usable(invitation: Invitation | None) -> Invitation:
    if invitation is None:
        raise InvitationUnusable("invalid", _("This invitation link is invalid."))
    if invitation.accepted_at is not None:
        raise InvitationUnusable("used", _("This invitation has already been used."))
    if invitation.revoked_at is not None:
        raise InvitationUnusable("revoked", _("This invitation was revoked."))
    if invitation.is_expired:
        raise InvitationUnusable("expired", _("This invitation has expired. Ask for a new one."))
    return invitation


def invitation_for_token(*, token: str) -> Invitation:
    """The usable invitation of a link (the page shows it before it is accepted); 400 otherwise."""
    invitation = Invitation.objects.select_related("business").filter(token_hash=_token_hash(token)).first()
    return _usable(invitation)


def invitation_login_exists(invitation: Invitation) -> bool:
    """Whether the invited email already has a login (the page then asks for its password)."""
    return User.objects.filter(email=invitation.email).exists()


def invitation_accept(*, token: str, password: str | None = None, user: User | None = None) -> Membership:
    """Join the business of the link, once: as `user` (logged in as the invited email), else as
    the invited email's login (with its password), else as a new login with `password`."""
    with transaction.atomic():
        # The lock makes a second accept of the same link wait, then find it used.
        invitation = _usable(
            Invitation.objects.select_for_update(of=("self",))
            .select_related("business", "professional")
            .filter(token_hash=_token_hash(token))
            .first()
        )
        business = invitation.business
        login = _accepting_login(invitation, password=password, user=user)
        if business.memberships.filter(user=login).exists():
            raise ValidationError({"token": [_("You are already on this team.")]})
        # Another invitation may have given its agenda to someone in the meantime.
        _check_assignment(business, role=invitation.role, professional=invitation.professional)
        membership = Membership.objects.create(
            user=login, business=business, role=invitation.role, professional=invitation.professional
        )
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        login.last_business = business
        login.save(update_fields=["last_business", "updated_at"])
    return membership


def _accepting_login(invitation: Invitation, *, password: str | None, user: User | None) -> User:
    if user is not None:
        if user.email != invitation.email:
            raise ValidationError(
                {
                    "token": [
                        _("This invitation is for %(email)s. Log in with that email.") % {"email": invitation.email}
                    ]
                }
            )
        return user
    existing = User.objects.filter(email=invitation.email).first()
    if existing is not None:
        if not (password and existing.is_active and existing.check_password(password)):
            raise ValidationError(
                {"password": [_("This is not the password of %(email)s.") % {"email": existing.email}]}
            )
        return existing
    login = User(email=invitation.email, is_verified=True)  # the link reached this inbox
    if not password:
        raise ValidationError({"password": [_("This field is required.")]})
    try:
        validate_password(password, user=login)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc
    login.set_password(password)
    try:
        with transaction.atomic():
            login.save()
    except IntegrityError as exc:
        raise ValidationError({"email": [_("An account with this email already exists.")]}) from exc
    return login


# --- Members -----------------------------------------------------------------------------------
@transaction.atomic
def member_update(
    *, business: Business, membership_id: Any, by: User, role: Any = KEEP, professional_id: Any = KEEP
) -> Membership:
    """Change a member's role or agenda. The owner's role changes only by `ownership_transfer`."""
    _require_team_manager(business, by)
    membership = _membership_get(business, membership_id)
    if membership.role == Role.OWNER:
        raise ValidationError(_("The owner's role changes only by transferring ownership."))
    role = membership.role if role is KEEP else role
    professional = _assigned(
        business, role=role, current=membership.professional, professional_id=professional_id, membership=membership
    )
    membership.role, membership.professional = role, professional
    membership.save(update_fields=["role", "professional"])
    return membership


@transaction.atomic
def member_remove(*, business: Business, membership_id: Any, by: User) -> None:
    """Take a login off the team (the login stays, with its other businesses). Not the owner."""
    _require_team_manager(business, by)
    membership = _membership_get(business, membership_id)
    if membership.role == Role.OWNER:
        raise ValidationError(_("The owner cannot be removed. Transfer ownership first."))
    membership.delete()


@transaction.atomic
def ownership_transfer(*, business: Business, to_membership_id: Any, by: User) -> Membership:
    """Make another member the owner; the owner who gives it away stays as a manager."""
    owner = business.memberships.select_for_update().filter(role=Role.OWNER).first()
    if owner is None or owner.user_id != by.pk:
        raise PermissionDenied(_("Only the owner can transfer ownership."))
    target = _membership_get(business, to_membership_id)
    if target.pk == owner.pk:
        raise ValidationError(_("This member is already the owner."))
    # One owner per business (a unique index): step down first.
    owner.role = Role.MANAGER
    owner.save(update_fields=["role"])
    target.role = Role.OWNER
    target.save(update_fields=["role"])
    business.__dict__.pop("owner_login", None)  # the cached owner is the old one
    return target
