"""Appointments in the Django admin, as AgendaZap staff use them: changes go through the services."""

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.contrib.messages import constants, get_messages
from django.utils import timezone, translation
from django.utils.translation import gettext

from scheduling.models import ActivityKind, Appointment, AppointmentStatus
from tests.factories import AppointmentFactory
from tests.helpers import at

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/scheduling/appointment/"


class FormValues(HTMLParser):
    """What a browser would send back from the admin's change form, unchanged."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button", "file"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.values[name] = attrs.get("value") or ("on" if attrs.get("type") == "checkbox" else "")
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data.lstrip("\n") if not self.values[self._textarea] else data


def change_form_values(admin_client, appointment) -> dict[str, str]:
    page = admin_client.get(f"{CHANGELIST}{appointment.pk}/change/")
    assert page.status_code == 200
    parser = FormValues()
    parser.feed(page.content.decode())
    return parser.values


def pt(message: str) -> str:
    with translation.override("pt-br"):
        return gettext(message)


def test_the_change_form_cannot_move_an_appointment_or_change_its_status(admin_client, service, monday):
    appointment = AppointmentFactory(service=service, start_time=at(monday, 10))
    values = change_form_values(admin_client, appointment)

    response = admin_client.post(
        f"{CHANGELIST}{appointment.pk}/change/",
        {
            **values,
            "start_time_0": (monday - timedelta(days=1)).isoformat(),
            "start_time_1": "09:00:00",
            "status": AppointmentStatus.COMPLETED,
            "duration_minutes": "240",
        },
    )

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.start_time, appointment.end_time, appointment.status) == (
        at(monday, 10),
        at(monday, 11),
        AppointmentStatus.CONFIRMED,
    )
    assert appointment.duration_minutes == 60


def test_staff_cannot_add_an_appointment_around_the_booking_service(admin_client):
    assert admin_client.get(f"{CHANGELIST}add/").status_code == 403


def test_marking_a_future_appointment_completed_is_refused_row_by_row(admin_client, service, monday):
    ahead = AppointmentFactory(service=service, start_time=at(monday, 10), client_name="Ainda Vem")

    response = admin_client.post(CHANGELIST, {"action": "mark_completed", "_selected_action": [str(ahead.pk)]})

    assert response.status_code == 302
    ahead.refresh_from_db()
    assert ahead.status == AppointmentStatus.CONFIRMED
    (message,) = get_messages(response.wsgi_request)
    assert message.level == constants.WARNING
    assert f"Ainda Vem ({monday:%d/%m/%Y} 10:00)" in message.message
    assert pt("An appointment is completed or a no-show only once it has started.") in message.message


def test_marking_a_started_appointment_completed_works_and_the_history_says_staff_via_admin(
    admin_client, admin_user, service
):
    started = AppointmentFactory(service=service, start_time=timezone.now() - timedelta(minutes=30))

    response = admin_client.post(CHANGELIST, {"action": "mark_completed", "_selected_action": [str(started.pk)]})

    assert response.status_code == 302
    started.refresh_from_db()
    assert started.status == AppointmentStatus.COMPLETED
    row = started.activity.get()
    assert (row.kind, row.actor_kind, row.actor_via) == ("completed", "staff", "admin")
    assert row.actor_user_id == admin_user.pk
    assert [m.level for m in get_messages(response.wsgi_request)] == [constants.SUCCESS]
    page = admin_client.get(f"{CHANGELIST}{started.pk}/change/").content.decode()
    history = page[page.index('id="activity-group"') :]
    assert pt(ActivityKind.COMPLETED.label) in history and "staff" in history and "admin" in history


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("confirm", AppointmentStatus.CONFIRMED),
        ("mark_cancelled", AppointmentStatus.CANCELLED),
    ],
)
def test_confirm_and_cancel_actions_go_through_the_services(admin_client, service, monday, action, status):
    appointment = AppointmentFactory(service=service, start_time=at(monday, 10), status=AppointmentStatus.PENDING)
    finished = AppointmentFactory(service=service, start_time=at(monday, 12), status=AppointmentStatus.COMPLETED)

    response = admin_client.post(
        CHANGELIST, {"action": action, "_selected_action": [str(appointment.pk), str(finished.pk)]}
    )

    assert response.status_code == 302
    appointment.refresh_from_db()
    finished.refresh_from_db()
    assert (appointment.status, finished.status) == (status, AppointmentStatus.COMPLETED)
    assert appointment.activity.get().actor_kind == "staff"
    levels = sorted(m.level for m in get_messages(response.wsgi_request))
    assert levels == [constants.SUCCESS, constants.WARNING]  # one done, one refused
    assert not Appointment.objects.filter(pk=finished.pk).exclude(status=AppointmentStatus.COMPLETED).exists()


def test_staff_edits_of_the_clients_details_go_through_the_service_and_the_history(admin_client, service, monday):
    appointment = AppointmentFactory(service=service, start_time=at(monday, 10), client_name="Ana")
    values = change_form_values(admin_client, appointment)

    response = admin_client.post(
        f"{CHANGELIST}{appointment.pk}/change/", {**values, "client_name": "Ana Paula", "price": "1.00"}
    )

    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.client_name == "Ana Paula"
    assert appointment.price == service.price  # read-only here: the price is the service's
    changed = appointment.activity.get(kind="details_changed")
    assert (changed.actor_kind, changed.actor_via, changed.details) == ("staff", "admin", {"fields": ["client_name"]})
