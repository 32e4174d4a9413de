from billing.selectors import usage_alerts_current


def usage_alerts(request):
    """This period's plan alerts for the dashboard banner (one query, owners only)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.business_slug:
        return {}
    return {"plan_alerts": usage_alerts_current(owner=user)}
