"""Template helpers of the team: whether the layout shows the Team page's link."""

from django import template

from accounts.team import team_manage_allowed

register = template.Library()


@register.simple_tag(takes_context=True)
def can_manage_team(context) -> bool:
    request = context.get("request")
    business = getattr(request, "business", None)
    return bool(request and business and team_manage_allowed(business=business, user=request.user))
