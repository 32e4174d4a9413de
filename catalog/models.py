import uuid

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

MAX_DURATION_MINUTES = 24 * 60


class ServiceCategory(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    business = models.ForeignKey(
        "accounts.Business",
        on_delete=models.CASCADE,
        related_name="service_categories",
        verbose_name=_("business"),
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("business", Lower("name"), name="service_category_unique_name_per_owner"),
        ]

    def __str__(self):
        return self.name


class Service(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    business = models.ForeignKey(
        "accounts.Business", on_delete=models.CASCADE, related_name="services", verbose_name=_("business")
    )
    category = models.ForeignKey(
        ServiceCategory,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="services",
        verbose_name=_("category"),
    )
    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    duration = models.PositiveIntegerField(_("duration (minutes)"))
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2, null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # Set when a service with past appointments is deleted: hidden everywhere, history kept.
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    images = models.JSONField(_("images"), default=list, blank=True)
    credentials = models.JSONField(_("credentials"), null=True, blank=True)
    promotions = models.JSONField(_("promotions"), null=True, blank=True)
    custom_fields = models.JSONField(_("custom fields"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("service")
        verbose_name_plural = _("services")
        ordering = ["name"]
        indexes = [models.Index(fields=["business", "is_active"], name="service_owner_active_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(duration__gt=0, duration__lte=MAX_DURATION_MINUTES), name="service_duration_range"
            ),
            models.CheckConstraint(
                condition=models.Q(price__isnull=True) | models.Q(price__gte=0), name="service_price_not_negative"
            ),
        ]

    def __str__(self):
        return self.name
