"""Scheduling's reactions to events: the activity log, a new business's agenda, an erased client.

Every appointment event becomes one line of that appointment's history. Registered in
`SchedulingConfig.ready()`; each runs inside the transaction of the change it follows.
"""

from accounts.models import Membership
from agendazap import events
from agendazap.business_cache import agenda_changed
from agendazap.events import Actor, ActorKind
from scheduling.models import ActivityKind, Appointment, AppointmentActivity
from scheduling.services import VISIT_STATUSES, business_setup


def business_agenda_setup(event: events.AccountRegistered) -> None:
    """A new business's agenda, with its owner's login as the owner-professional."""
    professional = business_setup(business=event.business)
    Membership.objects.filter(business=event.business, user=event.user).update(professional=professional)


def activity_record(event: events.AppointmentEvent) -> None:
    kind, details = _describe(event)
    _row(event.appointment, kind, event.actor, details).save()


def _describe(event: events.AppointmentEvent) -> tuple[str, dict]:
    appointment = event.appointment
    if isinstance(event, events.AppointmentBooked):
        return ActivityKind.BOOKED, {"start_time": appointment.start_time.isoformat(), "status": appointment.status}
    if isinstance(event, events.AppointmentMoved):
        details = {"from": event.previous_start.isoformat(), "to": appointment.start_time.isoformat()}
        if event.previous_professional_id != appointment.professional_id:
            details["professional"] = appointment.professional.name
        if event.previous_service_id != appointment.service_id:
            details["service"] = appointment.service.name
        return ActivityKind.MOVED, details
    if isinstance(event, events.AppointmentDetailsChanged):
        return ActivityKind.DETAILS_CHANGED, {"fields": list(event.fields)}
    if isinstance(event, events.AppointmentCancelled):
        return ActivityKind.CANCELLED, {"from": event.previous_status, "reason": event.reason}
    if isinstance(event, events.AppointmentStatusChanged):
        if event.previous_status in VISIT_STATUSES:
            return ActivityKind.UNDONE, {"from": event.previous_status}
        return ActivityKind(appointment.status), {"from": event.previous_status}
    if isinstance(event, events.AppointmentClientConfirmed):
        return ActivityKind.CLIENT_CONFIRMED, {}
    raise TypeError(f"no activity for {type(event).__name__}")


def _row(appointment: Appointment, kind: str, actor: Actor, details: dict) -> AppointmentActivity:
    return AppointmentActivity(
        appointment=appointment,
        kind=kind,
        actor_kind=actor.kind,
        actor_via=actor.via,
        actor_user_id=actor.user_id,
        actor_name=actor.name,
        details=details,
    )


def client_appointments_erase(event: events.ClientErased) -> None:
    """Anonymize the erased client's appointments and their history; log the erasure on each."""
    client = event.client
    appointments = Appointment.objects.filter(client=client)
    agenda_changed(client.business_id)  # QuerySet.update sends no signal
    appointments.update(
        client_name=client.name,
        client_whatsapp=client.whatsapp,
        client_email="",
        notes="",
        internal_notes="",
        custom_fields=None,
        cancellation_reason="",
    )
    history = AppointmentActivity.objects.filter(appointment__client=client)
    history.filter(actor_kind=ActorKind.CLIENT).update(actor_name="")
    for row in history.exclude(details={}).filter(details__has_key="reason"):
        row.details = {**row.details, "reason": ""}
        row.save(update_fields=["details"])
    AppointmentActivity.objects.bulk_create(
        _row(appointment, ActivityKind.ERASED, event.actor, {}) for appointment in appointments.only("pk")
    )
