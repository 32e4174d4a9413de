"""Plan reads: limits, the current period and what a business has used.

The database is the truth: totals are counts of active rows, appointments are counted by the
month they were created in (business time zone), WhatsApp messages by their monthly counter.
Nothing here needs a job to start a new month.

Billing sits below the apps whose rows it counts: each app offers the count of its own rows
and registers it in its `AppConfig.ready()` (`usage_counter_register`), so billing never
reads another app's models.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import Business
from billing.models import DEFAULT_LIMITS, MONTHLY_RESOURCES, MonthlyUsage, PlanLimits, Resource, UsageAlert

ALERT_THRESHOLDS = (80, 100)


@dataclass(frozen=True)
class Period:
    """A calendar month in the business's time zone."""

    month: date
    start: datetime
    end: datetime

    @property
    def last_day(self) -> date:
        return (self.end - timedelta(seconds=1)).astimezone(self.start.tzinfo).date()


def current_period(*, business: Business, now: datetime | None = None) -> Period:
    tz = ZoneInfo(business.timezone)
    month = (now or timezone.now()).astimezone(tz).date().replace(day=1)
    following = (month + timedelta(days=32)).replace(day=1)
    return Period(
        month=month,
        start=datetime.combine(month, datetime.min.time(), tzinfo=tz),
        end=datetime.combine(following, datetime.min.time(), tzinfo=tz),
    )


def plan_limits_get(*, plan_type: str) -> PlanLimits:
    """The plan's limits; a plan without its row (never edited, or wiped) gets the defaults."""
    limits, _created = PlanLimits.objects.get_or_create(pk=plan_type, defaults=DEFAULT_LIMITS[plan_type])
    return limits


UsageCounter = Callable[["Business", "Period"], int]
_usage_counters: dict[str, UsageCounter] = {}


def usage_counter_register(resource: str, counter: UsageCounter) -> None:
    """Let billing count `resource` with `counter(owner, period)` (totals ignore the period)."""
    _usage_counters[resource] = counter


def usage_used(*, business: Business, resource: str, period: Period) -> int:
    """How much of `resource` the business uses now (monthly ones: in `period`)."""
    if resource == Resource.WHATSAPP_MESSAGES:
        row = MonthlyUsage.objects.filter(business=business, resource=resource, period=period.month).first()
        return row.used if row else 0
    try:
        counter = _usage_counters[resource]
    except KeyError:
        raise ValueError(f"no usage counter registered for {resource!r}") from None
    return counter(business, period)


def usage_summary(*, business: Business, now: datetime | None = None) -> dict:
    """Plan, period, limits, used, percentage per resource and this period's alerts."""
    period = current_period(business=business, now=now)
    limits = plan_limits_get(plan_type=business.plan_type)
    resources = {}
    for resource in Resource.values:
        limit = limits.limit_for(resource)
        used = usage_used(business=business, resource=resource, period=period)
        resources[resource] = {
            "limit": limit,
            "used": used,
            "remaining": None if limit is None else max(limit - used, 0),
            "percentage": None if limit is None else (round(100 * used / limit, 1) if limit else 100.0),
            "monthly": resource in MONTHLY_RESOURCES,
        }
    alerts = UsageAlert.objects.filter(business=business, period=period.month).order_by("resource", "threshold")
    return {
        "plan_type": business.plan_type,
        "period": {"start": period.month.isoformat(), "end": period.last_day.isoformat()},
        "limits": {name: row["limit"] for name, row in resources.items()},
        "used": {name: row["used"] for name, row in resources.items()},
        "percentage": {name: row["percentage"] for name, row in resources.items()},
        "resources": resources,
        "alerts": [
            {
                "resource": alert.resource,
                "threshold": alert.threshold,
                "used": alert.used,
                "limit": alert.limit,
                "created_at": alert.created_at,
            }
            for alert in alerts
        ],
    }


def usage_alerts_current(*, business: Business, now: datetime | None = None) -> list[UsageAlert]:
    """This period's alerts, the highest threshold per resource (for the dashboard banner)."""
    period = current_period(business=business, now=now)
    highest: dict[str, UsageAlert] = {}
    for alert in UsageAlert.objects.filter(business=business, period=period.month).order_by("threshold"):
        highest[alert.resource] = alert
    return sorted(highest.values(), key=lambda alert: alert.resource)
