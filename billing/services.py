"""Plan writes: checking a limit before the work, reserving messages, alerts and plan changes.

Every path that consumes a resource calls `plan_check` (or `plan_message_reserve`) inside the
transaction that does the work, before doing it; work that consumes several resources takes one
`plan_gate` and checks each through it. The business's row is locked first, so two requests
cannot both take the last unit: on PostgreSQL by the row lock, on SQLite because write
transactions are serialized.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from accounts.models import Business, PlanType, User
from agendazap import events
from agendazap.errors import PlanLimitExceeded
from billing import selectors
from billing.models import MonthlyUsage, PlanChange, PlanLimits, Resource, UsageAlert


class PlanGate:
    """A business's plan, locked and read once for the several checks one piece of work makes
    (a booking checks its appointment and, for a new client, the client).

    Made by `plan_gate` inside the transaction that then does the work.
    """

    def __init__(self, business: Business, limits: PlanLimits, now: datetime | None):
        self.business = business
        self.limits = limits
        self.now = now

    def check(self, resource: str, amount: int = 1) -> None:
        """Refuse (402) unless the plan leaves room for `amount` more of `resource`."""
        if amount <= 0:
            return
        limit = self.limits.limit_for(resource)
        if limit is None:
            return
        period = selectors.current_period(business=self.business, now=self.now)
        used = selectors.usage_used(business=self.business, resource=resource, period=period)
        if used + amount > limit:
            raise _exceeded(self.business, resource, limit=limit, used=used)
        _alert_thresholds(self.business, resource, period.month, used=used + amount, limit=limit)


def plan_gate(*, business: Business, now: datetime | None = None) -> PlanGate:
    """Lock the business's plan for this transaction and read its limits, in one query."""
    limits = selectors.plan_limits_locked(business=business)
    return PlanGate(business, limits, now)


def plan_gate_locked(*, business: Business, row: Mapping[str, Any], now: datetime | None = None) -> PlanGate:
    """The gate of a caller that locked the business's row itself (FOR NO KEY UPDATE, in this
    transaction) in a query of its own that read `selectors.plan_limits_columns` as `row`."""
    return PlanGate(business, selectors.plan_limits_from_columns(plan_type=business.plan_type, row=row), now)


def plan_check(*, business: Business, resource: str, amount: int = 1, now: datetime | None = None) -> None:
    """Refuse (402) unless the plan leaves room for `amount` more of `resource`.

    Must run inside the transaction that then creates or reactivates the rows.
    """
    if amount <= 0:
        return
    plan_gate(business=business, now=now).check(resource, amount)


def plan_message_reserve(
    *, business: Business, limits: PlanLimits | None = None, now: datetime | None = None
) -> datetime:
    """Take one WhatsApp message of this month's allowance, or refuse (402).

    `limits`: the business's plan limits when the caller read them already (with the message, in
    `selectors.plan_limits_columns`). Returns the period's month so that a send that fails can
    give it back. One statement, outside any transaction of its own, when the month's counter
    exists and has room and no alert is due.
    """
    period = selectors.current_period(business=business, now=now)
    limits = limits or selectors.plan_limits_get(plan_type=business.plan_type)
    limit = limits.limit_for(Resource.WHATSAPP_MESSAGES)
    used = _message_take(business, period.month, limit)
    if used is None:
        # The month's first message (no counter yet), or none left: make sure of the counter, ask again.
        MonthlyUsage.objects.get_or_create(business=business, resource=Resource.WHATSAPP_MESSAGES, period=period.month)
        used = _message_take(business, period.month, limit)
    if used is None:
        raise _exceeded(business, Resource.WHATSAPP_MESSAGES, limit=limit, used=limit)
    if limit is not None:
        try:
            _alert_thresholds(business, Resource.WHATSAPP_MESSAGES, period.month, used=used, limit=limit)
        except Exception:  # the caller will not send: give the unit back
            plan_message_release(business=business, month=period.month)
            raise
    return period.month


def _message_take(business: Business, month, limit: int | None) -> int | None:
    """Add one to the month's message counter if it exists and is under `limit`; return the new
    count, or None. One conditional UPDATE: whichever worker takes the last unit, the next one
    gets no row. (RETURNING, which the ORM's update() cannot ask for, spares a read back.)"""
    fields = {field.name: field for field in MonthlyUsage._meta.concrete_fields}
    column = {name: connection.ops.quote_name(field.column) for name, field in fields.items()}
    table = connection.ops.quote_name(MonthlyUsage._meta.db_table)
    # Names from the model, values as parameters.
    sql = f"UPDATE {table} SET {column['used']} = {column['used']} + 1"  # noqa: S608
    sql += f" WHERE {column['business']} = %s AND {column['resource']} = %s AND {column['period']} = %s"
    values = {"business": business.pk, "resource": Resource.WHATSAPP_MESSAGES.value, "period": month}
    params = [fields[name].get_db_prep_value(value, connection) for name, value in values.items()]
    if limit is not None:
        sql += f" AND {column['used']} < %s"
        params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {column['used']}", params)
        row = cursor.fetchone()
    return row[0] if row else None


def plan_message_release(*, business: Business, month) -> None:
    """Give back a reserved message that was not sent."""
    MonthlyUsage.objects.filter(
        business=business, resource=Resource.WHATSAPP_MESSAGES, period=month, used__gt=0
    ).update(used=F("used") - 1)


@transaction.atomic
def plan_change(*, business: Business, plan_type: str, changed_by: User | None = None) -> PlanChange | None:
    """Switch plans at once, recording who, when, from and to. A downgrade below usage is refused."""
    if plan_type not in PlanType.values:
        raise ValidationError({"plan_type": [_("Choose free, starter, pro or enterprise.")]})
    _lock_business(business)
    business.refresh_from_db(fields=["plan_type"])
    if plan_type == business.plan_type:
        return None
    over = plan_over_limits(business=business, plan_type=plan_type)
    if over:
        names = ", ".join(
            _("%(resource)s (%(used)d of %(limit)d)")
            % {"resource": Resource(resource).label, "used": row["used"], "limit": row["limit"]}
            for resource, row in over.items()
        )
        raise ValidationError(
            {"plan_type": [_("Your current usage is above that plan's limits: %(names)s.") % {"names": names}]}
        )
    change = PlanChange.objects.create(
        business=business, changed_by=changed_by, from_plan=business.plan_type, to_plan=plan_type
    )
    business.plan_type = plan_type
    business.save(update_fields=["plan_type", "updated_at"])
    return change


def plan_over_limits(*, business: Business, plan_type: str) -> dict[str, dict[str, Any]]:
    """What a switch to `plan_type` would leave over its limits (for the plan page)."""
    limits = selectors.plan_limits_get(plan_type=plan_type)
    period = selectors.current_period(business=business)
    over = {}
    for resource in Resource.values:
        limit = limits.limit_for(resource)
        if limit is not None:
            used = selectors.usage_used(business=business, resource=resource, period=period)
            if used > limit:
                over[resource] = {"limit": limit, "used": used}
    return over


@transaction.atomic(durable=True)
def plan_refusal_notice(*, business: Business, exc: PlanLimitExceeded) -> None:
    """Make sure the owner hears (once a period) that a client was turned away by the plan's limit.

    Called after the refused work rolled back, in a transaction of its own: durable, so that
    a caller's transaction (which would roll the notice back with it) is an error, not a loss.
    """
    period = selectors.current_period(business=business)
    limit = exc.extra.get("limit")
    if limit is not None:
        _alert_thresholds(
            business, exc.extra["resource"], period.month, used=max(exc.extra["used"], limit), limit=limit
        )


def _lock_business(business: Business) -> None:
    # NO KEY UPDATE: serializes plan checks of one business without blocking inserts that
    # reference it (those take KEY SHARE).
    Business.objects.select_for_update(no_key=True).filter(pk=business.pk).values_list("pk", flat=True).first()


def _exceeded(business: Business, resource: str, *, limit: int, used: int) -> PlanLimitExceeded:
    return PlanLimitExceeded(
        _("Your %(plan)s plan allows %(limit)d: %(resource)s. Upgrade your plan to add more.")
        % {"plan": PlanType(business.plan_type).label, "limit": limit, "resource": Resource(resource).label.lower()},
        limit=limit,
        used=used,
        plan_type=business.plan_type,
        resource=resource,
    )


def _alert_thresholds(business: Business, resource: str, month, *, used: int, limit: int) -> None:
    """Record (once per period) that usage reached 80% / 100%, and email the owner after commit."""
    for threshold in selectors.ALERT_THRESHOLDS:
        if used * 100 < threshold * limit:
            continue
        alert, created = UsageAlert.objects.get_or_create(
            business=business,
            resource=resource,
            period=month,
            threshold=threshold,
            defaults={"used": used, "limit": limit},
        )
        if created:
            _email_alert(business, alert)


def _email_alert(business: Business, alert: UsageAlert) -> None:
    context = {
        "business": business,
        "alert": alert,
        "resource": Resource(alert.resource).label.lower(),
        "base_url": settings.PUBLIC_BASE_URL,
    }
    subject = _("AgendaZap: you have used %(threshold)d%% of %(resource)s") % {
        "threshold": alert.threshold,
        "resource": context["resource"],
    }
    body = render_to_string("billing/email/usage_alert.txt", context)
    events.emit(events.AccountEmailRequested(user=business.owner_login, business=business, subject=subject, body=body))
