from billing.selectors import usage_alerts_current


def usage_alerts(request):
    """The plan alerts that hold now, for the dashboard banner (members of a business only; see the selector)."""
    business = getattr(request, "business", None)
    if not business:
        return {}
    return {"plan_alerts": usage_alerts_current(business=business)}
