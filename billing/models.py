from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import PlanType


class Resource(models.TextChoices):
    SERVICES = "services", _("Services")
    PROFESSIONALS = "professionals", _("Professionals")
    APPOINTMENTS = "appointments", _("Appointments this month")
    WHATSAPP_MESSAGES = "whatsapp_messages", _("WhatsApp messages this month")
    CLIENTS = "clients", _("Clients")


# Counted per calendar month in the business's time zone; the others are totals of active rows.
MONTHLY_RESOURCES = frozenset({Resource.APPOINTMENTS, Resource.WHATSAPP_MESSAGES})

# The limits a plan starts with (None = unlimited); staff change them in the admin afterwards.
DEFAULT_LIMITS = {
    PlanType.FREE: {"services": 5, "professionals": 1, "appointments": 50, "whatsapp_messages": 100, "clients": 100},
    PlanType.STARTER: {
        "services": 20,
        "professionals": 3,
        "appointments": 500,
        "whatsapp_messages": 1000,
        "clients": 1000,
    },
    PlanType.PRO: {
        "services": 100,
        "professionals": 10,
        "appointments": 5000,
        "whatsapp_messages": 10000,
        "clients": None,
    },
    PlanType.ENTERPRISE: dict.fromkeys(Resource.values),
}


class PlanLimits(models.Model):
    """What a plan allows. Empty means unlimited. Staff edit these in the admin."""

    plan_type = models.CharField(_("plan"), max_length=20, choices=PlanType.choices, primary_key=True)
    services = models.PositiveIntegerField(_("services"), null=True, blank=True)
    professionals = models.PositiveIntegerField(_("professionals"), null=True, blank=True)
    appointments = models.PositiveIntegerField(_("appointments per month"), null=True, blank=True)
    whatsapp_messages = models.PositiveIntegerField(_("WhatsApp messages per month"), null=True, blank=True)
    clients = models.PositiveIntegerField(_("clients"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("plan limits")
        verbose_name_plural = _("plan limits")

    def __str__(self):
        return self.get_plan_type_display()

    def limit_for(self, resource: str) -> int | None:
        return getattr(self, resource)


class MonthlyUsage(models.Model):
    """Units of a monthly resource used, for resources that leave no row of their own to count.

    WhatsApp messages are reserved here before they are sent (and released if the send fails),
    with a conditional UPDATE, so two workers cannot both take the last unit.
    """

    business = models.ForeignKey(
        "accounts.Business", on_delete=models.CASCADE, related_name="monthly_usage", verbose_name=_("business")
    )
    resource = models.CharField(_("resource"), max_length=30, choices=Resource.choices)
    period = models.DateField(_("month"), help_text=_("First day of the month, business time zone."))
    used = models.PositiveIntegerField(_("used"), default=0)

    class Meta:
        verbose_name = _("monthly usage")
        verbose_name_plural = _("monthly usage")
        constraints = [
            models.UniqueConstraint(fields=["business", "resource", "period"], name="monthly_usage_unique"),
        ]

    def __str__(self):
        return f"{self.business} {self.resource} {self.period:%Y-%m}: {self.used}"


class PlanChange(models.Model):
    business = models.ForeignKey(
        "accounts.Business", on_delete=models.CASCADE, related_name="plan_changes", verbose_name=_("business")
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    from_plan = models.CharField(_("from"), max_length=20, choices=PlanType.choices)
    to_plan = models.CharField(_("to"), max_length=20, choices=PlanType.choices)
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("plan change")
        verbose_name_plural = _("plan changes")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.business}: {self.from_plan} → {self.to_plan}"


class UsageAlert(models.Model):
    """The owner was told a resource crossed 80% or 100% of its limit in a period (once each)."""

    business = models.ForeignKey(
        "accounts.Business", on_delete=models.CASCADE, related_name="usage_alerts", verbose_name=_("business")
    )
    resource = models.CharField(_("resource"), max_length=30, choices=Resource.choices)
    period = models.DateField(_("month"))
    threshold = models.PositiveSmallIntegerField(_("threshold (%)"))
    used = models.PositiveIntegerField(_("used"))
    limit = models.PositiveIntegerField(_("limit"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("usage alert")
        verbose_name_plural = _("usage alerts")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "resource", "period", "threshold"], name="usage_alert_once_per_period"
            ),
        ]

    def __str__(self):
        return f"{self.business} {self.resource} {self.threshold}% {self.period:%Y-%m}"
