"""Who may do what in a business: one table from role to actions (docs/domain.md, "Roles and permissions").

Every business-scoped view declares the action it needs, for each HTTP method: API views with a
`required_action` attribute (checked by `ActionRequired`, a default DRF permission), dashboard
pages with `@permission_required(...)`. Views outside the table are marked with an `Open` value.
The menus and tests/accounts/test_permissions_matrix.py read the same table.

What is about data rather than capability (a professional works only its own agenda and the
clients it served) is enforced by the selectors and services, given `professional_scope(...)`.
"""

from collections.abc import Callable, Mapping
from enum import StrEnum
from functools import wraps

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from accounts.models import Membership, Role
from agendazap.errors import Forbidden


class Action(StrEnum):
    AGENDA_VIEW_OWN = "agenda.view_own"  # see and work one's own agenda
    AGENDA_VIEW_ALL = "agenda.view_all"  # every professional's agenda, team, hours, time off and rules (read)
    AGENDA_MANAGE = "agenda.manage"  # book, move, confirm, complete, no-show, cancel (within what one sees)
    CLIENTS_VIEW = "clients.view"  # the client book and histories (within what one sees)
    CLIENTS_MANAGE = "clients.manage"  # add, edit, deactivate clients
    CLIENTS_BULK_UPDATE = "clients.bulk_update"  # one change to many clients
    CLIENTS_ERASE = "clients.erase"  # erase a client's personal data (LGPD)
    SERVICES_VIEW = "services.view"  # the service list and categories (to book)
    SERVICES_MANAGE = "services.manage"  # create, edit, delete services and categories
    SETTINGS_MANAGE = "settings.manage"  # booking rules, professionals, hours, time off, the business profile
    MESSAGES_MANAGE = "messages.manage"  # message log, queues, test sends, notification settings and texts
    FIGURES_VIEW = "figures.view"  # the business's figures: appointment, service and client statistics
    PLAN_VIEW = "plan.view"  # the plan, its limits and usage
    PLAN_MANAGE = "plan.manage"  # change the plan (billing)
    TEAM_MANAGE = "team.manage"  # invite members, change their roles
    OWNERSHIP_TRANSFER = "ownership.transfer"  # make another member the owner


class Open(StrEnum):
    """Views outside the role table, marked so that no view is left undeclared."""

    PUBLIC = "public"  # anyone, logged in or not: auth, public booking, webhook, health, docs
    LOGIN = "login"  # any logged-in login, about its own account, whatever its role
    STAFF = "staff"  # AgendaZap staff only (DRF's IsAdminUser), no business


_EVERYTHING = frozenset(Action)
_RECEPTION = frozenset(
    {
        Action.AGENDA_VIEW_OWN,
        Action.AGENDA_VIEW_ALL,
        Action.AGENDA_MANAGE,
        Action.CLIENTS_VIEW,
        Action.CLIENTS_MANAGE,
        Action.SERVICES_VIEW,
    }
)

# THE table. docs/domain.md shows it; keep the two in sync.
ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.OWNER: _EVERYTHING,
    Role.MANAGER: _EVERYTHING - {Action.PLAN_MANAGE, Action.OWNERSHIP_TRANSFER},
    Role.RECEPTIONIST: _RECEPTION,
    # Its own agenda and the clients it served; the services only to book them.
    Role.PROFESSIONAL: frozenset(
        {Action.AGENDA_VIEW_OWN, Action.AGENDA_MANAGE, Action.CLIENTS_VIEW, Action.SERVICES_VIEW}
    ),
}

Declared = Action | Open | Mapping[str, Action | Open]

# HEAD and OPTIONS read what GET reads.
_READS_AS_GET = {"HEAD", "OPTIONS"}


def can(membership: Membership | None, action: Action) -> bool:
    return membership is not None and action in ROLE_ACTIONS[Role(membership.role)]


def require(membership: Membership | None, action: Action) -> None:
    """Raise `Forbidden` (403) unless the membership's role allows `action`."""
    if not can(membership, action):
        raise Forbidden()


def membership_for(request) -> Membership | None:
    """The membership the request works through (set by `accounts.tenancy` with the business)."""
    return getattr(getattr(request, "_request", request), "membership", None)


def professional_scope(membership: Membership | None):
    """The Professional a member's agenda and clients are limited to; None when it sees the whole business."""
    if can(membership, Action.AGENDA_VIEW_ALL):
        return None
    if membership is None or membership.professional is None:
        raise Forbidden(_("This login is linked to no professional of the business."))
    return membership.professional


def action_for(declared: Declared | None, method: str) -> Action | Open | None:
    """The action a view declared for an HTTP method (None when it declared none)."""
    if isinstance(declared, Mapping):
        return declared.get("GET" if method in _READS_AS_GET else method)
    return declared


def declared_action(view: Callable) -> Declared | None:
    """What a resolved URL's view declared: a function view's decorator, or a DRF view's attribute."""
    if hasattr(view, "required_action"):
        return view.required_action
    return getattr(getattr(view, "cls", None), "required_action", None)


def _check(request, declared: Declared | None, method: str, *, has_handler: bool) -> None:
    action = action_for(declared, method)
    if isinstance(action, Open):
        return
    if action is None:
        if has_handler:
            raise Forbidden()  # an undeclared method is refused, never open by omission
        return  # no such method: the view answers 405
    if not request.business:
        raise Forbidden(_("This login belongs to no business."))
    require(membership_for(request), action)


# --- Declaring -------------------------------------------------------------------------------------
def permission_required(declared: Declared) -> Callable:
    """A dashboard page's action (or {method: action}); a role without it gets the 403 page.

    Put it under `@login_required`: an anonymous visitor is sent to log in, not refused.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            # The page's own method check (require_POST, ...) runs after this and answers 405.
            _check(request, declared, request.method, has_handler=not isinstance(declared, Mapping))
            return view(request, *args, **kwargs)

        wrapper.required_action = declared
        return wrapper

    return decorator


def public(view: Callable) -> Callable:
    """Mark a view (or an `as_view()` of a third-party class) as open to anyone."""
    view.required_action = Open.PUBLIC
    return view


class ActionRequired(BasePermission):
    """A default DRF permission: the view's `required_action` for the request's method, from the table."""

    def has_permission(self, request, view) -> bool:
        handler = getattr(view, request.method.lower(), None)
        _check(request, getattr(view, "required_action", None), request.method, has_handler=handler is not None)
        return True


# --- Menus -----------------------------------------------------------------------------------------
class RolePermissions:
    """`perms_for.services_manage` in templates: whether the page's member may do that action."""

    def __init__(self, request):
        self._request = request

    def __getattr__(self, name: str) -> bool:
        try:
            action = Action[name.upper()]
        except KeyError:
            raise AttributeError(name) from None
        return can(membership_for(self._request), action)


def permissions_context(request) -> dict:
    """The member's permissions for the layout, looked up only when a template reads one."""
    return {"perms_for": RolePermissions(request)}
