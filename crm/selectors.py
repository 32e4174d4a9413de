"""Client reads: lists, one client, its history and the business's client analytics."""

from collections import Counter
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Business
from agendazap.events import AppointmentStatus
from agendazap.filters import filtered
from agendazap.ids import as_uuid
from agendazap.phones import phone_to_e164
from catalog.models import Service
from crm.filters import ClientFilter
from crm.models import Client

MOST_FREQUENT_LIMIT = 10
NOT_VISITS = (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)


def with_last_visit(clients: QuerySet[Client]) -> QuerySet[Client]:
    """Annotate `last_visit_at`: the start of the client's latest appointment that has begun and was
    neither cancelled nor a no-show. Computed at read time, so a booking becomes the last visit
    as soon as it starts, without waiting for a refresh (`last_appointment_at` includes bookings ahead)."""
    # One correlated lookup per client shown (the index on (client, start_time) answers it), not
    # an aggregate over every appointment of the business: a page of 50 at years of history stays
    # fast, and its count needs no GROUP BY. The model is reached through the reverse relation
    # (scheduling sits above crm).
    appointment = Client._meta.get_field("appointments").related_model
    visits = (
        appointment.objects.filter(client=OuterRef("pk"), start_time__lte=timezone.now())
        .exclude(status__in=NOT_VISITS)
        .order_by("-start_time")
        .values("start_time")[:1]
    )
    return clients.annotate(last_visit_at=Subquery(visits))


def _clients(business: Business, professional_scope) -> QuerySet[Client]:
    """The business's clients; with `professional_scope` (a Professional), only those it served:
    with at least one appointment on its agenda (reached through the reverse relation)."""
    clients = Client.objects.filter(business=business)
    if professional_scope is not None:
        served = Client.objects.filter(business=business, appointments__professional=professional_scope)
        clients = clients.filter(pk__in=served.values("pk"))
    return clients


def client_list(*, business: Business, filters: dict | None = None, professional_scope=None) -> QuerySet[Client]:
    return with_last_visit(filtered(ClientFilter, filters, _clients(business, professional_scope)))


def client_export_rows(*, business: Business) -> QuerySet[Client]:
    """Every client of the business with its last visit, by name, for a CSV (iterate with .iterator())."""
    return with_last_visit(Client.objects.filter(business=business)).order_by("name", "pk")


def client_active_count(business: Business, _period) -> int:
    """For the plan's limit: active clients."""
    return Client.objects.filter(business=business, is_active=True).count()


def client_get(*, business: Business, client_id, professional_scope=None) -> Client:
    """One of the business's clients (404 when not, or not served by `professional_scope`)."""
    client = with_last_visit(_clients(business, professional_scope)).filter(pk=as_uuid(client_id)).first()
    if client is None:
        raise Http404
    client.business = business
    return client


def client_referenced_get(*, business: Business, client_id) -> Client:
    """The business's client named in a request body (400 when it is not one)."""
    client = Client.objects.filter(business=business, pk=as_uuid(client_id)).first()
    if client is None:
        raise ValidationError({"client_id": [_("Client not found.")]})
    return client


def client_named_otherwise(*, business: Business, whatsapp: str, name: str) -> Client | None:
    """The business's client with this number when `name` is not the name it has (else None).

    Case and spacing do not make another name; a number that is not one finds nobody.
    """
    try:
        number = phone_to_e164(whatsapp)
    except ValidationError:
        return None
    client = Client.objects.filter(business=business, whatsapp=number).first()
    if client is None or _name_key(client.name) == _name_key(name):
        return None
    return client


def _name_key(name: str) -> str:
    return " ".join((name or "").split()).casefold()


def client_history(*, client: Client, professional_scope=None) -> QuerySet:
    """The client's appointments (scheduling's rows, reached through the client), newest first;
    with `professional_scope`, only those with that professional."""
    appointments = client.appointments.all()
    if professional_scope is not None:
        appointments = appointments.filter(professional=professional_scope)
    return appointments.select_related("service", "professional").order_by("-start_time")


def client_analytics(*, business: Business) -> dict:
    """The business's client overview, in five queries whatever the number of clients."""
    clients = Client.objects.filter(business=business)
    totals = clients.aggregate(
        total=Count("pk"),
        active=Count("pk", filter=Q(is_active=True)),
        with_appointments=Count("pk", filter=Q(total_appointments__gt=0)),
        vip=Count("pk", filter=Q(is_vip=True)),
        appointments=Sum("total_appointments"),
    )
    total = totals["total"]
    most_frequent = clients.filter(total_appointments__gt=0).order_by(
        "-total_appointments", "-frequency_score", "name"
    )[:MOST_FREQUENT_LIMIT]

    # A client's favourite service is the first of its preferred_services.
    favourites = Counter(
        preferred[0] for preferred in clients.values_list("preferred_services", flat=True) if preferred
    )
    names = dict(Service.objects.filter(business=business, pk__in=list(favourites)).values_list("pk", "name"))
    top_services = {
        names[as_uuid(service_id)]: count
        for service_id, count in favourites.most_common()
        if as_uuid(service_id) in names
    }
    by_month = {
        month.strftime("%Y-%m"): count
        for month, count in clients.annotate(month=TruncMonth("created_at", tzinfo=ZoneInfo(business.timezone)))
        .values_list("month")
        .annotate(count=Count("pk"))
        .order_by("month")
    }
    return {
        "total_clients": total,
        "active_clients": totals["active"],
        "inactive_clients": total - totals["active"],
        "vip_clients": totals["vip"],
        "clients_with_appointments": totals["with_appointments"],
        "average_appointments_per_client": round((totals["appointments"] or 0) / total, 2) if total else 0.0,
        "most_frequent_clients": list(most_frequent),
        "top_preferred_services": top_services,
        "clients_by_creation_month": by_month,
    }
