import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class CommunicationPreference(models.TextChoices):
    WHATSAPP = "whatsapp", _("WhatsApp")
    EMAIL = "email", _("Email")


def is_regular_customer(completed_appointments: int, frequency_score: float) -> bool:
    """A regular: at least three completed visits and a frequency score of 50 or more."""
    return completed_appointments >= 3 and frequency_score >= 50


class Client(models.Model):
    """A client of one business, one per WhatsApp number (E.164).

    The history, frequency and financial figures are kept by `crm.services.client_metrics_refresh`
    from the client's appointments; nothing else writes them.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    business = models.ForeignKey(
        "accounts.Business", on_delete=models.CASCADE, related_name="clients", verbose_name=_("business")
    )
    # Basic information
    name = models.CharField(_("name"), max_length=255)
    whatsapp = models.CharField(_("WhatsApp"), max_length=20, help_text=_("E.164"))
    email = models.EmailField(_("email"), max_length=255, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Status
    is_active = models.BooleanField(_("active"), default=True)
    is_vip = models.BooleanField(_("VIP"), default=False)
    # History
    first_appointment_at = models.DateTimeField(_("first appointment"), null=True, blank=True)
    last_appointment_at = models.DateTimeField(_("last appointment"), null=True, blank=True)
    total_appointments = models.PositiveIntegerField(_("appointments"), default=0)
    completed_appointments = models.PositiveIntegerField(_("completed"), default=0)
    cancelled_appointments = models.PositiveIntegerField(_("cancelled"), default=0)
    no_show_appointments = models.PositiveIntegerField(_("no-shows"), default=0)
    # Frequency
    frequency_score = models.FloatField(_("frequency score"), default=0.0)
    appointments_this_month = models.PositiveIntegerField(_("appointments this month"), default=0)
    appointments_last_month = models.PositiveIntegerField(_("appointments last month"), default=0)
    average_days_between_appointments = models.FloatField(_("average days between appointments"), default=0.0)
    # First day (business time zone) of the month that appointments_this_month counts; the
    # monthly task refreshes clients whose month has turned.
    metrics_month = models.DateField(_("figures' month"), null=True, blank=True, editable=False)
    # Preferences
    preferred_services = models.JSONField(_("preferred services"), default=list, blank=True)
    preferred_days = models.JSONField(_("preferred days"), default=list, blank=True)
    preferred_times = models.JSONField(_("preferred times of day"), default=list, blank=True)
    communication_preference = models.CharField(
        _("communication preference"),
        max_length=20,
        choices=CommunicationPreference.choices,
        default=CommunicationPreference.WHATSAPP,
    )
    # Demographics
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    gender = models.CharField(_("gender"), max_length=20, blank=True)
    address = models.TextField(_("address"), blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=50, blank=True)
    zip_code = models.CharField(_("ZIP code"), max_length=20, blank=True)
    # Money
    total_spent = models.DecimalField(_("total spent"), max_digits=12, decimal_places=2, default=0)
    average_ticket = models.DecimalField(_("average ticket"), max_digits=12, decimal_places=2, default=0)
    last_payment_at = models.DateTimeField(_("last payment"), null=True, blank=True)
    # Marketing
    source = models.CharField(_("source"), max_length=100, blank=True)
    referral_code = models.CharField(_("referral code"), max_length=50, blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    custom_fields = models.JSONField(_("custom fields"), null=True, blank=True)
    # Set when the client's personal data was erased on request (LGPD); the row keeps the figures.
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("client")
        verbose_name_plural = _("clients")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["business", "is_active"], name="client_owner_active_idx"),
            models.Index(fields=["business", "created_at"], name="client_owner_created_idx"),
            # The client list, by name (its default order).
            models.Index(fields=["business", "name"], name="client_owner_name_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["business", "whatsapp"], name="client_unique_whatsapp_per_business"),
            models.CheckConstraint(
                condition=models.Q(frequency_score__gte=0, frequency_score__lte=100), name="client_score_range"
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_regular_customer(self) -> bool:
        return is_regular_customer(self.completed_appointments, self.frequency_score)
