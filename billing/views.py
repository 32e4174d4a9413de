from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.models import PlanType
from agendazap.forms import add_service_errors
from billing import selectors, services
from billing.forms import PlanChangeForm
from billing.models import PlanChange, PlanLimits, Resource


@login_required
def plan(request: HttpRequest) -> HttpResponse:
    """Usage against the plan's limits, the plans on offer, and switching between them."""
    owner = request.user
    form = PlanChangeForm(request.POST or None, initial={"plan_type": owner.plan_type})
    if request.method == "POST" and form.is_valid():
        try:
            change = services.plan_change(owner=owner, plan_type=form.cleaned_data["plan_type"], changed_by=owner)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if change:
                messages.success(request, _("Your plan is now %(plan)s.") % {"plan": PlanType(owner.plan_type).label})
            return redirect("billing:plan")
    usage = selectors.usage_summary(owner=owner)
    limits = {row.plan_type: row for row in PlanLimits.objects.all()}
    context = {
        "form": form,
        "usage": usage,
        "rows": [
            {"resource": resource, "label": Resource(resource).label, **usage["resources"][resource]}
            for resource in Resource.values
        ],
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
        "changes": PlanChange.objects.filter(owner=owner).select_related("changed_by")[:10],
    }
    return render(request, "billing/plan.html", context, status=400 if form.errors else 200)
