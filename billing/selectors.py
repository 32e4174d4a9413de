"""Plan reads: limits, the current period and what a business has used.

The database is the truth: totals are counts of active rows, appointments are counted by the
month they were created in (business time zone), WhatsApp messages by their monthly counter.
Nothing here needs a job to start a new month.

Billing sits below the apps whose rows it counts: each app offers the count of its own rows
and registers it in its `AppConfig.ready()` (`usage_counter_register`), so billing never
reads another app's models.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, Q, Subquery
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


def plan_limits_locked(*, business: Business) -> PlanLimits:
    """Lock the business's row (FOR NO KEY UPDATE, in the caller's transaction) and read its
    plan's limits in the same query.

    NO KEY UPDATE serializes the plan checks of one business without blocking inserts that
    reference it (those take KEY SHARE). The count that follows is a statement of its own, so
    it sees what the transaction that held the lock before us committed.
    """
    row = (
        Business.objects.select_for_update(no_key=True)
        .filter(pk=business.pk)
        .values(**plan_limits_columns(plan_type=business.plan_type))
        .first()
    )
    return plan_limits_from_columns(plan_type=business.plan_type, row=row)


def plan_limits_columns(*, plan_type: str | OuterRef) -> dict[str, Any]:
    """The plan's limits as columns of another query (the one that locks the business's row, or
    one reading a row of the business's: `plan_type` is then an OuterRef to its plan), to be read
    back with `plan_limits_from_columns`."""
    limits = PlanLimits.objects.filter(pk=plan_type)
    return {
        "plan_limits_exist": Exists(limits),
        **{f"plan_limit_{resource}": Subquery(limits.values(resource)) for resource in Resource.values},
    }


def plan_limits_from_columns(*, plan_type: str, row: Mapping[str, Any] | None) -> PlanLimits:
    """The limits `plan_limits_columns` brought (a plan without its row gets the defaults)."""
    if row is None or not row["plan_limits_exist"]:
        return plan_limits_get(plan_type=plan_type)
    return PlanLimits(plan_type=plan_type, **{resource: row[f"plan_limit_{resource}"] for resource in Resource.values})


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


@dataclass(frozen=True)
class PlanAlert:
    """A resource at 80% or more of its limit now: what the dashboard's banner says."""

    resource: str
    used: int
    limit: int

    @property
    def label(self) -> str:
        return Resource(self.resource).label

    @property
    def threshold(self) -> int:
        """The highest threshold reached now (100: nothing more can be added)."""
        return max(t for t in ALERT_THRESHOLDS if self.used * 100 >= t * self.limit)


def usage_alerts_current(*, business: Business, now: datetime | None = None) -> list[PlanAlert]:
    """The resources at 80% or more of the plan's limit now, for the banner on every dashboard page.

    Usage is counted now, so the banner clears as soon as an upgrade or a deletion brings it down.
    Only resources that recorded an alert are counted: every path that consumes a resource checks
    the plan and records the alert, so a resource without one never reached 80%. Monthly resources
    look at this period's alerts, totals (services, clients...) at any period's, since their count
    carries over. A page costs one query when nothing was alerted; otherwise one more for the
    limits and one per alerted resource.
    """
    period = current_period(business=business, now=now)
    alerted = set(
        UsageAlert.objects.filter(business=business)
        .filter(Q(period=period.month) | ~Q(resource__in=MONTHLY_RESOURCES))
        .order_by()  # the model's ordering would make DISTINCT count each row
        .values_list("resource", flat=True)
        .distinct()
    )
    if not alerted:
        return []
    limits = plan_limits_get(plan_type=business.plan_type)
    alerts = []
    for resource in sorted(alerted):
        limit = limits.limit_for(resource)
        if limit is None:
            continue
        used = usage_used(business=business, resource=resource, period=period)
        if used * 100 >= min(ALERT_THRESHOLDS) * limit:
            alerts.append(PlanAlert(resource=resource, used=used, limit=limit))
    return alerts
