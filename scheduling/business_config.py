"""A business's booking set-up as one cached snapshot: rules, professionals and what each
performs, weekly hours, bookable services.

Read by the availability paths (owner API, public page) instead of four or five queries; kept
true by `agendazap.business_cache` (the rule is written there): every change to these rows ends
the snapshot, through the model signals connected here, and the writes that send no signal
(`bulk_create`, `QuerySet.update`) call `business_changed` themselves. A written appointment or
time off ends the agenda's version the same way, and with it every cached availability answer.
"""

from dataclasses import dataclass, field
from datetime import time

from django.db.models.signals import m2m_changed, post_delete, post_save

from accounts.models import Business
from agendazap.business_cache import agenda_changed, business_cached, business_changed, waitlist_changed
from catalog.models import Service, ServiceCategory
from scheduling.models import Appointment, BookingRules, Professional, TimeOff, WaitlistEntry, WorkingHours


@dataclass(frozen=True)
class BusinessConfig:
    rules: BookingRules
    # Every professional, inactive ones too, in the model's order; `service_ids` on each.
    professionals: list[Professional]
    # Weekly hours per professional id: (weekday, start, end), by start.
    hours: dict[object, list[tuple[int, time, time]]] = field(default_factory=dict)
    # Active, not archived services by id, their category read with them.
    services: dict[object, Service] = field(default_factory=dict)

    def professionals_for_service(self, service_id) -> list[Professional]:
        """Active professionals who perform the service: those assigned to it, or all when nobody is.

        A service whose assigned professionals are all inactive has nobody, not everyone.
        """
        assigned = [pro for pro in self.professionals if service_id in pro.service_ids]
        return [pro for pro in (assigned or self.professionals) if pro.is_active]

    def professional(self, professional_id) -> Professional | None:
        return next((pro for pro in self.professionals if pro.pk == professional_id), None)


def business_config(business: Business) -> BusinessConfig:
    """The business's booking set-up, from the cache when it is current (else four queries)."""
    return business_cached(business.pk, "booking-config", lambda: _load(business))


def _load(business: Business) -> BusinessConfig:
    # Read-only: a business without rules yet is shown the defaults (booking_rules_get creates them).
    rules = BookingRules.objects.filter(business=business).first() or BookingRules(business_id=business.pk)
    professionals = list(Professional.objects.filter(business=business))
    performs: dict[object, set] = {pro.pk: set() for pro in professionals}
    assignments = Professional.services.through.objects.filter(professional__business=business)
    for professional_id, service_id in assignments.values_list("professional_id", "service_id"):
        performs[professional_id].add(service_id)
    for pro in professionals:
        pro.service_ids = frozenset(performs[pro.pk])
    hours: dict[object, list[tuple[int, time, time]]] = {}
    for professional_id, weekday, start, end in (
        WorkingHours.objects.filter(professional__business=business)
        .order_by("start_time")
        .values_list("professional_id", "weekday", "start_time", "end_time")
    ):
        hours.setdefault(professional_id, []).append((weekday, start, end))
    services = {
        service.pk: service
        for service in Service.objects.filter(business=business, is_active=True, archived_at__isnull=True)
        .select_related("category")
        .order_by("category__name", "name")
    }
    return BusinessConfig(rules=rules, professionals=professionals, hours=hours, services=services)


# --- Keeping it true ------------------------------------------------------------------------------
def _on_business_row(sender, instance, **kwargs) -> None:
    business_changed(instance.business_id)


def _on_hours(sender, instance, **kwargs) -> None:
    if WorkingHours.professional.is_cached(instance):
        business_changed(instance.professional.business_id)
        return
    # Not read with the row (a bulk delete): one lookup, none when the professional went too.
    for business_id in Professional.objects.filter(pk=instance.professional_id).values_list("business_id", flat=True):
        business_changed(business_id)


def _on_business(sender, instance, **kwargs) -> None:
    business_changed(instance.pk)


def _on_agenda_row(sender, instance, **kwargs) -> None:
    agenda_changed(instance.business_id)


def _on_waitlist_row(sender, instance, **kwargs) -> None:
    waitlist_changed(instance.business_id)


def _on_performers(sender, instance, action, pk_set, **kwargs) -> None:
    if not action.startswith("post_"):
        return
    # Either side may be the instance: a professional's services, or a service's professionals.
    business_changed(instance.business_id)


def connect() -> None:
    """Connect the signals that end a business's snapshot when a row it is built from changes,
    and its agenda's version when an appointment or time off is written."""
    for model in (BookingRules, Professional, Service, ServiceCategory):
        post_save.connect(_on_business_row, sender=model, dispatch_uid=f"business_config_{model.__name__}_save")
        post_delete.connect(_on_business_row, sender=model, dispatch_uid=f"business_config_{model.__name__}_delete")
    post_save.connect(_on_hours, sender=WorkingHours, dispatch_uid="business_config_hours_save")
    post_delete.connect(_on_hours, sender=WorkingHours, dispatch_uid="business_config_hours_delete")
    post_save.connect(_on_business, sender=Business, dispatch_uid="business_config_business_save")
    for model in (Appointment, TimeOff):
        post_save.connect(_on_agenda_row, sender=model, dispatch_uid=f"agenda_{model.__name__}_save")
        post_delete.connect(_on_agenda_row, sender=model, dispatch_uid=f"agenda_{model.__name__}_delete")
    post_save.connect(_on_waitlist_row, sender=WaitlistEntry, dispatch_uid="waitlist_entry_save")
    post_delete.connect(_on_waitlist_row, sender=WaitlistEntry, dispatch_uid="waitlist_entry_delete")
    m2m_changed.connect(_on_performers, sender=Professional.services.through, dispatch_uid="business_config_performers")
