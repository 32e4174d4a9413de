from billing.selectors import usage_alerts_current


def usage_alerts(request):
    """This period's plan alerts for the dashboard banner (one query, members of a business only)."""
    business = getattr(request, "business", None)
    if not business:
        return {}
    return {"plan_alerts": usage_alerts_current(business=business)}
