"""Dashboard pages of a visit of several services: cancel it as one (its parts are shown on each
part's appointment page)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.permissions import Action, permission_required
from agendazap.errors import DomainError
from scheduling import selectors, services
from scheduling.forms import AppointmentCancelForm
from scheduling.views.common import agenda_scope, dashboard_actor


@login_required
@permission_required(Action.AGENDA_MANAGE)
@require_POST
def visit_cancel(request: HttpRequest, visit_id) -> HttpResponse:
    """Cancel every active part of the visit (the card's "Yes, cancel the whole visit"), then
    back to the appointment page it was asked from."""
    visit = selectors.visit_get(business=request.business, visit_id=visit_id, professional_scope=agenda_scope(request))
    form = AppointmentCancelForm(request.POST)
    asked_from = next((part.pk for part in visit.parts if str(part.pk) == request.POST.get("from")), None)
    back = (
        redirect("dashboard:agenda-detail", appointment_id=asked_from or visit.parts[0].pk)
        if visit.parts
        else redirect("dashboard:agenda")
    )
    if not form.is_valid() or not form.cleaned_data["confirm"]:
        messages.warning(request, _("Nothing was cancelled yet: confirm below."))
        return back
    try:
        services.visit_cancel(
            visit=visit,
            actor=dashboard_actor(request),
            reason=form.cleaned_data["reason"],
            professional_scope=agenda_scope(request),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Visit cancelled: all its services. Their times are free again."))
    return back
