from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.models import PlanType
from accounts.permissions import Action, permission_required
from agendazap.forms import add_service_errors
from billing import selectors, services
from billing.forms import PlanChangeForm
from billing.models import PlanChange, PlanLimits, Resource


@login_required
@permission_required({"GET": Action.PLAN_VIEW, "POST": Action.PLAN_MANAGE})
def plan(request: HttpRequest) -> HttpResponse:
    """Usage against the plan's limits, the plans on offer, and switching between them."""
    business = request.business
    form = PlanChangeForm(request.POST or None, initial={"plan_type": business.plan_type})
    if request.method == "POST" and form.is_valid():
        try:
            change = services.plan_change(
                business=business, plan_type=form.cleaned_data["plan_type"], changed_by=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if change:
                messages.success(
                    request, _("Your plan is now %(plan)s.") % {"plan": PlanType(business.plan_type).label}
                )
            return redirect("billing:plan")
    usage = selectors.usage_summary(business=business)
    limits = {row.plan_type: row for row in PlanLimits.objects.all()}
    context = {
        "form": form,
        "usage": usage,
        "period_start": date.fromisoformat(usage["period"]["start"]),
        "period_end": date.fromisoformat(usage["period"]["end"]),
        "rows": [_usage_row(resource, usage["resources"][resource]) for resource in Resource.values],
        "plans": [
            {
                "value": plan_type.value,
                "label": plan_type.label,
                "limits": [
                    (Resource(resource).label, limits[plan_type].limit_for(resource)) for resource in Resource.values
                ],
            }
            for plan_type in PlanType
            if plan_type in limits
        ],
        "changes": PlanChange.objects.filter(business=business).select_related("changed_by")[:10],
    }
    return render(request, "billing/plan.html", context, status=400 if form.errors else 200)


def _usage_row(resource: str, row: dict) -> dict:
    """A resource's line on the page: its bar's width (0 to 100) and level (amber from 80%, red at 100%)."""
    percentage = row["percentage"]
    if percentage is None:
        level = ""
    elif percentage >= 100:
        level = "full"
    elif percentage >= 80:
        level = "high"
    else:
        level = "ok"
    return {
        "resource": resource,
        "label": Resource(resource).label,
        **row,
        "level": level,
        "bar_width": None if percentage is None else int(min(percentage, 100)),
    }
