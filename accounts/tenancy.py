"""Which business a request works in: the tenant of every domain read and write.

A login reaches its businesses through memberships; the request works in the last one it used
(or its first). AgendaZap staff have none.
"""

from django.db.models import Case, When
from django.http import HttpResponseForbidden
from django.shortcuts import redirect
from django.utils.functional import SimpleLazyObject

from accounts.models import Business, Membership, User


def business_for(user: User) -> Business | None:
    """The business `user` works in, in one query: the last one it used while still a member, else its first."""
    if not user.is_authenticated:
        return None
    last_used_first = Case(When(business_id=user.last_business_id, then=0), default=1)
    membership = (
        Membership.objects.filter(user=user).select_related("business").order_by(last_used_first, "created_at").first()
    )
    return membership.business if membership else None


class BusinessMiddleware:
    """Set `request.business`, resolved when first read (after DRF has authenticated the token)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.business = SimpleLazyObject(lambda: business_for(request.user))
        if request.path.startswith("/dashboard/") and request.user.is_authenticated and not request.business:
            # A login of no business (AgendaZap staff) has no dashboard: its place is the admin.
            return redirect("admin:index") if request.user.is_staff else HttpResponseForbidden()
        return self.get_response(request)


def business_context(request) -> dict:
    """The business the page works in, for the layout (a view's own `business` wins)."""
    business = getattr(request, "business", None)
    return {"business": business} if business else {}
