"""The team pages: the invitation link's page, and the dashboard's Team page (owner and managers).

Thin views over `accounts.team`, the functions the API calls. Every form is a plain POST.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts import team
from accounts.models import Membership
from accounts.permissions import Action, permission_required
from accounts.team_forms import InvitationPasswordForm, InviteForm, MemberRoleForm
from accounts.tenancy import membership_for, session_switch
from agendazap.errors import DomainError
from agendazap.forms import add_domain_error, add_rule_errors, add_service_errors

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


# --- The invitation link --------------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Show whom the link invites to what; accepting logs in (a new login, an existing one, or the current one)."""
    try:
        invitation = team.invitation_for_token(token=token)
    except team.InvitationUnusable as exc:
        return _invitation_unusable(request, exc)
    if request.user.is_authenticated:
        mode = "join" if request.user.email == invitation.email else "other_login"
    else:
        mode = "login" if team.invitation_login_exists(invitation) else "new"
    posted = request.method == "POST" and mode in ("login", "new")
    form = InvitationPasswordForm(request.POST if posted else None, new_login=mode == "new")
    status = 200
    if request.method == "POST" and mode != "other_login" and (mode == "join" or form.is_valid()):
        try:
            membership = team.invitation_accept(
                token=token,
                password=form.cleaned_data["password"] if mode != "join" else None,
                user=request.user if mode == "join" else None,
            )
        except team.InvitationUnusable as exc:
            return _invitation_unusable(request, exc)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if mode != "join":
                login(request, membership.user, backend=MODEL_BACKEND)
            messages.success(request, _("Welcome to the team of %(business)s!") % {"business": membership.business})
            return redirect("dashboard:home")
    if form.errors or (request.method == "POST" and mode == "other_login"):
        status = 400
    context = {"invitation": invitation, "mode": mode, "form": form}
    return render(request, "accounts/invitation.html", context, status=status)


def _invitation_unusable(request: HttpRequest, error: team.InvitationUnusable) -> HttpResponse:
    context = {"reason": error.reason, "errors": error.messages}
    return render(request, "accounts/invitation_unusable.html", context, status=400)


# --- The Team page ------------------------------------------------------------------------------
def _professionals(request: HttpRequest) -> list:
    # Scheduling's professionals, reached through the business: accounts sits below scheduling.
    return list(request.business.professionals.filter(is_active=True))


def _team(request: HttpRequest, *, invite_form=None, action_form=None, status: int = 200) -> HttpResponse:
    professionals = _professionals(request)
    context = {
        "rows": team.team_list(business=request.business),
        "invite_form": invite_form or InviteForm(professionals=professionals),
        "action_form": action_form,
        "professionals": professionals,
        "roles": team.INVITABLE_ROLES,
    }
    return render(request, "accounts/team.html", context, status=status)


def _action_failed(request: HttpRequest, error: Exception) -> HttpResponse:
    """Show the page again with what went wrong with a row's button (it has no fields to mark)."""
    form = forms.Form({})
    form.is_valid()  # a bound form, to which errors can be added
    if isinstance(error, DomainError):
        status = add_domain_error(form, error)
    else:
        add_service_errors(form, error)
        status = 400
    return _team(request, action_form=form, status=status)


@login_required
@permission_required(Action.TEAM_MANAGE)
@require_GET
def team_page(request: HttpRequest) -> HttpResponse:
    return _team(request)


@login_required
@permission_required(Action.TEAM_MANAGE)
@require_POST
def team_invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST, professionals=_professionals(request))
    status = 400
    if form.is_valid():
        try:
            invitation = team.invitation_create(
                business=request.business,
                invited_by=request.user,
                email=form.cleaned_data["email"],
                **form.assignment(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        except DomainError as exc:
            status = add_domain_error(form, exc)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("dashboard:team")
    else:
        add_rule_errors(
            form,
            lambda fields: team.invitation_validate(
                business=request.business,
                email=fields.get("email"),
                role=fields.get("role"),
                professional_id=fields.get("professional_id") or None,
            ),
        )
    return _team(request, invite_form=form, status=status)


@login_required
@permission_required(Action.TEAM_MANAGE)
@require_POST
def team_member_role(request: HttpRequest, member_id: str) -> HttpResponse:
    row = team.team_member_get(business=request.business, member_id=member_id)
    form = MemberRoleForm(request.POST, professionals=_professionals(request))
    if not form.is_valid():
        return _team(request, action_form=form, status=400)
    change = team.member_update if isinstance(row, Membership) else team.invitation_update
    id_argument = "membership_id" if isinstance(row, Membership) else "invitation_id"
    try:
        change(business=request.business, by=request.user, **{id_argument: row.pk}, **form.assignment())
    except ValidationError as exc:
        return _action_failed(request, exc)
    messages.success(request, _("The role of %(email)s was changed.") % {"email": team.team_row(row).email})
    return redirect("dashboard:team")


@login_required
@permission_required(Action.TEAM_MANAGE)
@require_POST
def team_member_resend(request: HttpRequest, member_id: str) -> HttpResponse:
    try:
        invitation = team.invitation_resend(business=request.business, invitation_id=member_id, by=request.user)
    except DomainError as exc:
        return _action_failed(request, exc)
    messages.success(request, _("A new invitation link was sent to %(email)s.") % {"email": invitation.email})
    return redirect("dashboard:team")


@login_required
@permission_required(Action.TEAM_MANAGE)
@require_POST
def team_member_remove(request: HttpRequest, member_id: str) -> HttpResponse:
    row = team.team_member_get(business=request.business, member_id=member_id)
    email = team.team_row(row).email
    try:
        if isinstance(row, Membership):
            team.member_remove(business=request.business, membership_id=row.pk, by=request.user)
        else:
            team.invitation_revoke(business=request.business, invitation_id=row.pk, by=request.user)
    except ValidationError as exc:
        return _action_failed(request, exc)
    if isinstance(row, Membership):
        messages.success(request, _("%(email)s was removed from the team.") % {"email": email})
        if row.user_id == request.user.pk:
            return redirect("dashboard:home")  # who left the team no longer sees its page
    else:
        messages.success(request, _("The invitation to %(email)s was cancelled.") % {"email": email})
    return redirect("dashboard:team")


@login_required
@permission_required(Action.OWNERSHIP_TRANSFER)
@require_POST
def team_member_make_owner(request: HttpRequest, member_id: str) -> HttpResponse:
    try:
        owner = team.ownership_transfer(business=request.business, to_membership_id=member_id, by=request.user)
    except ValidationError as exc:
        return _action_failed(request, exc)
    # The old owner is a manager now: its session carries on with that role.
    session_switch(request, membership_for(request.user, business_id=request.business.pk))
    messages.success(request, _("%(email)s is now the owner.") % {"email": owner.user.email})
    return redirect("dashboard:team")
