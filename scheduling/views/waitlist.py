"""The owner's waitlist page: who waits for which day, first come first served, and taking someone off."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.permissions import Action, permission_required
from scheduling import selectors, services
from scheduling.views.common import business_today

PER_PAGE = 50


@login_required
@permission_required(Action.AGENDA_VIEW_ALL)
@require_GET
def waitlist(request: HttpRequest) -> HttpResponse:
    entries = selectors.waitlist_list(business=request.business).filter(date__gte=business_today(request.business))
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    days: dict = {}
    for entry in page.object_list:
        days.setdefault(entry.date, []).append(entry)
    return render(request, "scheduling/waitlist.html", {"page": page, "days": days})


@login_required
@permission_required(Action.AGENDA_MANAGE)
@require_POST
def waitlist_remove(request: HttpRequest, entry_id) -> HttpResponse:
    entry = selectors.waitlist_entry_get(business=request.business, entry_id=entry_id)
    services.waitlist_remove(entry=entry)
    messages.success(request, _("%(name)s is off the waitlist.") % {"name": entry.client_name})
    return redirect("dashboard:waitlist")
