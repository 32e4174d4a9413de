"""Which business a request works in, and as what: the tenant of every domain read and write.

A login reaches its businesses through memberships. The API's tokens are issued for one
business and the role held there (claims `business_id` and `role`); the dashboard's session
remembers the same pair. A request whose membership is gone, or whose role changed, is refused
at once (401 for a token, logged out for a session), as after a logout. Without a choice made,
a login works in the business it used last, else its first. AgendaZap staff have none.
"""

from django.contrib.auth import logout
from django.db.models import Case, When
from django.http import HttpResponseForbidden
from django.shortcuts import redirect

from accounts.models import Business, Membership, User
from agendazap.events import Actor, Via

SESSION_KEY = "agendazap_membership"


def membership_for(user: User, *, business_id=None) -> Membership | None:
    """The login's membership in `business_id`, or (none given) in its last business, else its first."""
    if not user.is_authenticated:
        return None
    memberships = Membership.objects.filter(user=user).select_related("business", "professional")
    if business_id is not None:
        return memberships.filter(business_id=business_id).first()
    last_used_first = Case(When(business_id=user.last_business_id, then=0), default=1)
    return memberships.order_by(last_used_first, "created_at").first()


def business_for(user: User) -> Business | None:
    membership = membership_for(user)
    return membership.business if membership else None


def memberships_of(user: User) -> list[Membership]:
    """Every business the login belongs to, with its role there (the login answer lists them)."""
    return list(Membership.objects.filter(user=user).select_related("business").order_by("business__name"))


def working_in(request, membership: Membership | None) -> None:
    """Let the rest of the request work in `membership`'s business."""
    request.membership = membership
    request.business = membership.business if membership else None


def session_switch(request, membership: Membership) -> None:
    """Remember in the session which business the dashboard works in, and the role held there."""
    request.session[SESSION_KEY] = [str(membership.business_id), membership.role]
    working_in(request, membership)


def actor(request, *, via: Via) -> Actor:
    """The request's login acting for its business with its role there."""
    membership = getattr(request, "membership", None)
    return Actor.business(request.user, via=via, role=membership.role if membership else "owner")


class BusinessMiddleware:
    """Set `request.business` and `request.membership` for a session (the dashboard).

    The API's bearer tokens are read later, by `accounts.authentication`, which sets them; an API
    request's session is never read.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        working_in(request, None)
        if request.path_info.startswith("/api/"):
            # The API reads bearer tokens only: a session cookie sent along is not even loaded.
            return self.get_response(request)
        if request.user.is_authenticated:
            remembered = request.session.get(SESSION_KEY)
            membership = membership_for(request.user, business_id=remembered[0] if remembered else None)
            if remembered and (membership is None or membership.role != remembered[1]):
                # Removed from the business, or its role changed: the session ends now.
                logout(request)
            else:
                # Remembered by the login and the switcher (`session_switch`), not written here.
                working_in(request, membership)
        if request.path.startswith("/dashboard/") and request.user.is_authenticated and not request.business:
            # A login of no business (AgendaZap staff) has no dashboard: its place is the admin.
            return redirect("admin:index") if request.user.is_staff else HttpResponseForbidden()
        return self.get_response(request)


def business_context(request) -> dict:
    """The business the page works in and the login's others, for the layout (a view's own
    `business` wins)."""
    business = getattr(request, "business", None)
    if not business:
        return {}
    return {
        "business": business,
        "membership": request.membership,
        # Called by the layout's switcher only: one query, on pages that show it.
        "login_memberships": lambda: memberships_of(request.user),
    }
