"""Catalog reads: a business's services, categories and per-service figures.

Every read is scoped to the owner (the tenant); an archived service is hidden from all of them
except the figures, which keep its history.
"""

from collections.abc import Mapping
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from accounts.models import Business
from agendazap.events import AppointmentStatus
from agendazap.ids import as_uuid
from catalog.filters import ServiceFilter
from catalog.models import Service, ServiceCategory


def _visible_services(business: Business) -> QuerySet[Service]:
    return (
        Service.objects.filter(business=business, archived_at__isnull=True)
        .select_related("category")
        .prefetch_related("professionals")
    )


def service_list(*, business: Business, filters: Mapping | None = None) -> QuerySet[Service]:
    """Return the business's services (active and inactive, not archived), filtered; 400 on a bad filter."""
    filterset = ServiceFilter(filters or {}, queryset=_visible_services(business).order_by("name", "id"))
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def service_active_count(business: Business, _period) -> int:
    """For the plan's limit: active services."""
    return Service.objects.filter(business=business, is_active=True, archived_at__isnull=True).count()


def service_get(*, business: Business, service_id) -> Service:
    """Return one of the business's services; another business's, an archived or an unknown one is a 404."""
    service = _visible_services(business).filter(pk=as_uuid(service_id)).first()
    if service is None:
        raise Http404
    return service


def service_stats(*, business: Business) -> dict:
    """Return all-time figures per service and for the business, in one query.

    Archived services are included: their appointments are part of the business's history.
    `share` is the service's part of the business's non-cancelled bookings (0..1).
    """
    completed = Q(appointments__status=AppointmentStatus.COMPLETED)
    rows = list(
        Service.objects.filter(business=business)
        .annotate(
            n_appointments=Count("appointments"),
            n_completed=Count("appointments", filter=completed),
            n_cancelled=Count("appointments", filter=Q(appointments__status=AppointmentStatus.CANCELLED)),
            n_no_show=Count("appointments", filter=Q(appointments__status=AppointmentStatus.NO_SHOW)),
            revenue=Sum("appointments__price", filter=completed),
        )
        .order_by("-n_appointments", "name", "id")
        .values(
            "id",
            "name",
            "is_active",
            "archived_at",
            "n_appointments",
            "n_completed",
            "n_cancelled",
            "n_no_show",
            "revenue",
        )
    )
    booked = sum(row["n_appointments"] - row["n_cancelled"] for row in rows)
    services = [
        {
            "service_id": row["id"],
            "name": row["name"],
            "is_active": row["is_active"],
            "archived": row["archived_at"] is not None,
            "appointments": row["n_appointments"],
            "completed": row["n_completed"],
            "cancelled": row["n_cancelled"],
            "no_show": row["n_no_show"],
            "revenue": row["revenue"] or Decimal("0"),
            "share": round((row["n_appointments"] - row["n_cancelled"]) / booked, 4) if booked else 0.0,
        }
        for row in rows
    ]
    totals = {
        "services": sum(1 for row in rows if row["archived_at"] is None),
        "appointments": sum(s["appointments"] for s in services),
        "completed": sum(s["completed"] for s in services),
        "cancelled": sum(s["cancelled"] for s in services),
        "no_show": sum(s["no_show"] for s in services),
        "revenue": sum((s["revenue"] for s in services), Decimal("0")),
    }
    return {"services": services, "totals": totals}


def category_list(*, business: Business) -> QuerySet[ServiceCategory]:
    """Return the business's categories, each with the number of its (not archived) services."""
    return (
        ServiceCategory.objects.filter(business=business)
        .annotate(services_count=Count("services", filter=Q(services__archived_at__isnull=True)))
        .order_by("name", "id")
    )


def category_get(*, business: Business, category_id) -> ServiceCategory:
    category = category_list(business=business).filter(pk=as_uuid(category_id)).first()
    if category is None:
        raise Http404
    return category
