"""Asking before a cancellation, without JavaScript: on the dashboard's appointment page and on the
client's manage page, a first click asks; only "Yes, cancel" (confirm=yes) cancels."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from scheduling.models import Appointment, AppointmentStatus
from scheduling.services import booking_rules_update
from tests.factories import AppointmentFactory
from tests.helpers import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, business):
    client.force_login(business.owner_login)
    return client


@pytest.fixture
def appointment(service, monday):
    return AppointmentFactory(service=service, start_time=at(monday, 10), client_name="Ana Lima")


def status_of(appointment) -> str:
    return Appointment.objects.get(pk=appointment.pk).status


# --- The dashboard ---------------------------------------------------------------------------------------
def test_the_appointment_page_leads_to_the_question_and_holds_it_in_a_dialog(logged_in, appointment):
    content = logged_in.get(f"/dashboard/agenda/{appointment.pk}/").content.decode()

    link = re.search(r'<a class="button button-danger-ghost" id="cancel-link" href="([^"]+)"', content)
    assert link.group(1) == f"/dashboard/agenda/{appointment.pk}/cancel/"
    dialog = re.search(r'<dialog class="confirm-dialog" id="cancel-dialog"[^>]*>(.*?)</dialog>', content, re.S)
    assert " open" not in dialog.group(0).split(">")[0]  # closed until JavaScript opens it
    assert 'name="confirm" value="yes"' in dialog.group(1) and "Sim, cancelar" in dialog.group(1)


def test_the_question_says_what_will_happen(logged_in, appointment, monday):
    page = logged_in.get(f"/dashboard/agenda/{appointment.pk}/cancel/")

    assert page.status_code == 200
    content = page.content.decode()
    assert "Cancelar este agendamento?" in content
    assert f"Ana Lima</strong><br>Segunda-feira, {monday:%d/%m/%Y} às 10:00<br>Corte · " in content
    assert "O horário fica livre de novo para outros agendamentos." in content
    assert "O cliente é avisado por WhatsApp ou e-mail." in content
    assert 'name="reason"' in content
    assert "Sim, cancelar" in content
    assert f'href="/dashboard/agenda/{appointment.pk}/" data-dialog-close>Voltar' in content
    assert status_of(appointment) == AppointmentStatus.CONFIRMED


def test_a_visit_under_way_says_the_client_is_not_told(logged_in, service):
    started = AppointmentFactory(service=service, start_time=timezone.now() - timedelta(minutes=10))
    content = logged_in.get(f"/dashboard/agenda/{started.pk}/cancel/").content.decode()
    assert "Já começou, então o cliente não é avisado." in content


def test_a_cancel_without_the_confirmation_asks_and_keeps_the_reason(logged_in, appointment):
    response = logged_in.post(f"/dashboard/agenda/{appointment.pk}/cancel/", {"reason": "Cliente viajou"})

    assert response.status_code == 400
    content = response.content.decode()
    assert "Cancelar este agendamento?" in content and 'id="cancel-unconfirmed"' in content
    assert ">Cliente viajou</textarea>" in content
    assert status_of(appointment) == AppointmentStatus.CONFIRMED


def test_yes_cancel_cancels_with_the_reason(logged_in, appointment):
    response = logged_in.post(
        f"/dashboard/agenda/{appointment.pk}/cancel/", {"reason": "Cliente viajou", "confirm": "yes"}, follow=True
    )

    assert response.redirect_chain == [(f"/dashboard/agenda/{appointment.pk}/", 302)]
    assert "Agendamento cancelado. O horário está livre de novo." in response.content.decode()
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancellation_reason) == (AppointmentStatus.CANCELLED, "Cliente viajou")


def test_a_cancelled_appointment_is_not_asked_again(logged_in, appointment):
    AppointmentFactory._meta.model.objects.filter(pk=appointment.pk).update(status=AppointmentStatus.CANCELLED)

    response = logged_in.get(f"/dashboard/agenda/{appointment.pk}/cancel/", follow=True)

    assert response.redirect_chain == [(f"/dashboard/agenda/{appointment.pk}/", 302)]
    assert "Este agendamento não pode mais ser cancelado." in response.content.decode()


def test_a_too_long_reason_is_refused_beside_nothing_lost(logged_in, appointment):
    response = logged_in.post(f"/dashboard/agenda/{appointment.pk}/cancel/", {"reason": "x" * 1001, "confirm": "yes"})
    assert response.status_code == 400
    assert status_of(appointment) == AppointmentStatus.CONFIRMED


# --- The client's manage page ---------------------------------------------------------------------------
@pytest.fixture
def manage_url(business, appointment):
    return f"/b/{business.slug}/a/{appointment.manage_token}/"


def test_the_manage_page_leads_to_the_question(client, manage_url):
    content = client.get(manage_url).content.decode()
    assert 'id="cancel-button" href="?cancel=confirm#cancel-confirm"' in content
    assert '<dialog class="confirm-dialog" id="cancel-dialog"' in content


def test_the_clients_question_says_what_will_happen(client, business, manage_url, appointment):
    page = client.get(manage_url + "?cancel=confirm")

    assert page.status_code == 200
    content = page.content.decode()
    assert 'id="cancel-confirm"' in content and "Cancelar este agendamento?" in content
    assert re.search(r"<br>Segunda-feira, \d+ de [a-zç]+, 10:00</p>", content)  # month names in lowercase
    assert "Seu horário fica livre para outros clientes." in content
    assert f"{business.name} é avisado, e você recebe uma confirmação por WhatsApp ou e-mail." in content
    assert f'href="{manage_url}" data-dialog-close>Voltar' in content
    assert 'id="reschedule-title"' not in content  # the question alone, nothing else to tap
    assert status_of(appointment) == AppointmentStatus.CONFIRMED


def test_the_clients_cancel_without_confirmation_asks_and_changes_nothing(client, manage_url, appointment):
    response = client.post(manage_url, {"action": "cancel"})

    assert response.status_code == 400
    assert 'id="cancel-confirm"' in response.content.decode()
    assert status_of(appointment) == AppointmentStatus.CONFIRMED


def test_the_clients_yes_cancels(client, manage_url, appointment):
    response = client.post(manage_url, {"action": "cancel", "confirm": "yes"})

    assert response.status_code == 200
    assert "Seu agendamento foi cancelado." in response.content.decode()
    assert status_of(appointment) == AppointmentStatus.CANCELLED


def test_too_close_to_the_start_the_question_is_not_asked(client, business, manage_url, appointment):
    booking_rules_update(business=business, data={"cancellation_notice_hours": 24 * 60})

    response = client.get(manage_url + "?cancel=confirm")

    content = response.content.decode()
    assert 'id="cancel-confirm"' not in content
    assert "Este agendamento não pode mais ser cancelado online." in content
