"""The public booking page and the client's manage page, through Django's test client."""

import re
from datetime import timedelta

import pytest
from icalendar import Calendar

from billing.models import UsageAlert
from notifications.backends import whatsapp
from notifications.models import Channel, Kind, Message
from scheduling.models import Appointment, AppointmentStatus
from tests.factories import AppointmentFactory, BusinessFactory, ProfessionalFactory, ServiceFactory
from tests.helpers import at, set_rules

pytestmark = pytest.mark.django_db


def book_url(business, service):
    return f"/b/{business.slug}/book/{service.pk}/"


def form(start, **extra):
    return {
        "start_time": start.isoformat(),
        "client_name": "Ana Souza",
        "client_whatsapp": "(11) 98888-7777",
        "client_email": "",
        "consent_whatsapp": "on",
        "website": "",
        **extra,
    }


def test_business_page_lists_active_services_with_prices(client, business):
    ServiceFactory(business=business, name="Corte", price="50.00")
    ServiceFactory(business=business, name="Escova antiga", is_active=False)
    page = client.get(f"/b/{business.slug}/")
    content = page.content.decode()
    assert page.status_code == 200
    assert "Corte" in content and "R$\xa050,00" in content and "Escova antiga" not in content


def test_unknown_or_inactive_business_gets_a_clear_page(client, business):
    assert client.get("/b/nao-existe/").status_code == 404
    business.owner_login.is_active = False
    business.owner_login.save(update_fields=["is_active"])
    response = client.get(f"/b/{business.slug}/")
    assert response.status_code == 404 and "reservas online" in response.content.decode()


def test_an_inactive_service_gets_a_clear_page(client, business):
    service = ServiceFactory(business=business, is_active=False)
    response = client.get(book_url(business, service))
    assert response.status_code == 404
    assert "não está disponível" in response.content.decode()


def test_the_confirmation_shows_the_price_and_the_number_typed(client, business, service, monday):
    service.price = "1250.00"
    service.save(update_fields=["price"])
    response = client.post(book_url(business, service), form(at(monday, 10)), follow=True)
    page = response.content.decode()
    assert 'id="booking-price">R$\xa01.250,00<' in page
    assert "(11) 98888-7777" in page  # so the client sees a typo in their number


@pytest.mark.parametrize("typed", ["(11) 1234-567", "(11) 8888-7777", "(01) 98888-7777", "+55 11 98888-77770"])
def test_a_number_that_cannot_be_a_persons_is_refused_on_the_page(client, business, service, monday, typed):
    response = client.post(book_url(business, service), form(at(monday, 10), client_whatsapp=typed))
    assert response.status_code == 400
    assert "Confira o DDD e os dígitos" in response.content.decode()
    assert not Appointment.objects.exists()


def test_mobiles_and_landlines_as_people_write_them_are_accepted_on_the_page(client, business, service, monday):
    for hour, typed in ((10, "11 3333-4444"), (11, "(21) 2555-1234"), (14, "+55 (11) 98888-7777")):
        response = client.post(book_url(business, service), form(at(monday, hour), client_whatsapp=typed))
        assert response.status_code == 302, typed


def test_whatsapp_consent_is_not_ticked_for_the_client(client, business, service, monday):
    page = client.get(book_url(business, service), {"date": monday.isoformat()}).content.decode()
    checkbox = re.search(r'<input[^>]*name="consent_whatsapp"[^>]*>', page).group(0)
    assert "checked" not in checkbox


def test_calendar_marks_days_with_free_times_and_lists_the_times(client, business, service, monday):
    set_rules(business, slot_interval_minutes=None)  # a start every service length
    page = client.get(book_url(business, service), {"date": monday.isoformat()})
    content = page.content.decode()
    assert page.status_code == 200
    assert f"?date={monday.isoformat()}" in content
    assert content.count('name="start_time"') == 9  # 09:00 ... 17:00
    sunday = monday + timedelta(days=6)
    assert f"?date={sunday.isoformat()}" not in content or sunday.month != monday.month


def test_booking_without_javascript_lands_on_the_manage_page(client, business, service, monday):
    response = client.post(book_url(business, service), form(at(monday, 10)), follow=True)
    assert response.status_code == 200
    appointment = Appointment.objects.get()
    assert (appointment.source, appointment.status) == ("public", AppointmentStatus.CONFIRMED)
    assert response.redirect_chain[-1][0] == f"/b/{business.slug}/a/{appointment.manage_token}/?new=1"
    assert "Agendamento confirmado" in response.content.decode()


def test_a_business_that_confirms_each_booking_gets_it_pending(client, business, service, monday):
    from scheduling.services import booking_rules_update

    booking_rules_update(business=business, data={"online_booking_status": "pending"})
    client.post(book_url(business, service), form(at(monday, 10)))
    assert Appointment.objects.get().status == AppointmentStatus.PENDING


def test_a_slot_taken_meanwhile_answers_409_with_fresh_times(client, business, service, monday):
    AppointmentFactory(service=service, start_time=at(monday, 10))
    response = client.post(book_url(business, service), form(at(monday, 10)))
    assert response.status_code == 409
    content = response.content.decode()
    assert "acabou de reservar" in content
    assert at(monday, 10).isoformat() not in content and at(monday, 11).isoformat() in content
    assert Appointment.objects.count() == 1


def test_bad_input_is_a_400_and_books_nothing(client, business, service, monday):
    response = client.post(book_url(business, service), form(at(monday, 10), client_whatsapp="12"))
    assert response.status_code == 400
    assert not Appointment.objects.exists()
    honeypot = client.post(book_url(business, service), form(at(monday, 10), website="http://spam"))
    assert honeypot.status_code == 400 and not Appointment.objects.exists()


def test_bookings_are_throttled_per_phone(client, business, service, monday, settings):
    settings.PUBLIC_BOOKINGS_PER_PHONE_HOUR = 2
    for hour in (9, 10):
        assert client.post(book_url(business, service), form(at(monday, hour))).status_code == 302
    response = client.post(book_url(business, service), form(at(monday, 11)))
    assert response.status_code == 429 and Appointment.objects.count() == 2


def test_behind_one_proxy_bookings_are_throttled_per_client_not_per_forged_entry(
    client, business, service, monday, settings
):
    settings.PUBLIC_BOOKINGS_PER_IP_HOUR = 1
    settings.TRUSTED_PROXY_COUNT = 1

    def book(hour: int, forwarded_for: str) -> int:
        return client.post(
            book_url(business, service),
            form(at(monday, hour)),
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded_for,
        ).status_code

    assert book(9, "198.51.100.1, 203.0.113.1") == 302
    assert book(10, "198.51.100.2, 203.0.113.1") == 429
    assert book(11, "203.0.113.2") == 302


def test_an_over_limit_plan_tells_the_client_and_warns_the_owner(client, business, service, monday):
    for n in range(50):
        AppointmentFactory(service=service, start_time=at(monday, 9) + timedelta(days=7 + n))
    response = client.post(book_url(business, service), form(at(monday, 10)))
    assert response.status_code == 402
    assert "não pode receber agendamentos online" in response.content.decode()
    assert UsageAlert.objects.filter(business=business, resource="appointments", threshold=100).exists()


def test_manage_page_cancels_within_the_notice(client, business, service, monday):
    client.post(book_url(business, service), form(at(monday, 10)))
    appointment = Appointment.objects.get()
    url = f"/b/{business.slug}/a/{appointment.manage_token}/"
    whatsapp.outbox.clear()
    response = client.post(url, {"action": "cancel", "confirm": "yes"})
    assert response.status_code == 200
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED


def test_the_client_confirms_on_the_manage_page_and_the_business_still_decides(client, business, service, monday):
    from scheduling.services import booking_rules_update

    booking_rules_update(business=business, data={"online_booking_status": "pending"})
    client.post(book_url(business, service), form(at(monday, 10)))
    appointment = Appointment.objects.get()
    url = f"/b/{business.slug}/a/{appointment.manage_token}/"
    assert 'id="confirm-button"' in client.get(url).content.decode()

    response = client.post(url, {"action": "confirm"})

    assert response.status_code == 200
    appointment.refresh_from_db()
    assert appointment.client_confirmed_at is not None
    assert appointment.status == AppointmentStatus.PENDING
    assert 'id="client-confirmed"' in response.content.decode()
    assert appointment.activity.filter(kind="client_confirmed", actor_via="manage_link").exists()


def test_manage_page_refuses_changes_too_close_to_the_start(client, business, service, monday):
    from scheduling.services import booking_rules_update

    client.post(book_url(business, service), form(at(monday, 10)))
    booking_rules_update(business=business, data={"cancellation_notice_hours": 24 * 60})
    appointment = Appointment.objects.get()
    url = f"/b/{business.slug}/a/{appointment.manage_token}/"
    assert "Cancelar meu agendamento" not in client.get(url).content.decode()
    assert client.post(url, {"action": "cancel", "confirm": "yes"}).status_code == 400
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CONFIRMED


def test_manage_page_reschedules_to_a_free_time(client, business, service, monday):
    client.post(book_url(business, service), form(at(monday, 10)))
    appointment = Appointment.objects.get()
    url = f"/b/{business.slug}/a/{appointment.manage_token}/"
    tuesday = monday + timedelta(days=1)
    page = client.get(url, {"date": tuesday.isoformat()}).content.decode()
    assert at(tuesday, 15).isoformat() in page
    response = client.post(url, {"action": "reschedule", "start_time": at(tuesday, 15).isoformat()})
    assert response.status_code == 200
    appointment.refresh_from_db()
    assert appointment.start_time == at(tuesday, 15)


def test_an_unknown_token_is_404(client, business):
    assert client.get(f"/b/{business.slug}/a/not-a-token/").status_code == 404
    other = BusinessFactory()
    appointment = AppointmentFactory(service=ServiceFactory(business=other))
    assert client.get(f"/b/{business.slug}/a/{appointment.manage_token}/").status_code == 404


def test_ics_download_parses(client, business, service, monday):
    client.post(book_url(business, service), form(at(monday, 10)))
    appointment = Appointment.objects.get()
    response = client.get(f"/b/{business.slug}/a/{appointment.manage_token}/agendamento.ics")
    assert response["Content-Type"].startswith("text/calendar")
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert event.decoded("dtstart") == at(monday, 10)
    assert event.decoded("dtend") == at(monday, 11)
    assert "Corte" in str(event.get("summary"))
    assert str(event.get("status")) == "CONFIRMED"


# --- The public JSON API --------------------------------------------------------------------------
def test_public_api_books_without_an_account(api_client, business, service, monday):
    body = {
        "business_slug": business.slug,
        "service_id": str(service.pk),
        "start_time": at(monday, 10).isoformat(),
        "client_name": "Ana",
        "client_whatsapp": "11988887777",
        "client_email": "ana@exemplo.com",
        "consent_whatsapp": False,
    }
    response = api_client.post("/api/appointments/public", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["start_time"] == f"{monday.isoformat()}T10:00:00-03:00"
    assert re.search(r"/b/[^/]+/a/[^/]+/$", data["manage_url"])
    assert "internal_notes" not in data and "client_whatsapp" not in data
    assert whatsapp.outbox == []  # no consent: email only
    taken = api_client.post("/api/appointments/public", body, format="json")
    assert taken.status_code == 409
    unknown = api_client.post("/api/appointments/public", {**body, "business_slug": "nope"}, format="json")
    assert unknown.status_code == 404


def test_public_api_409_names_no_other_booking_only_fresh_times(api_client, business, service, monday):
    taken = AppointmentFactory(service=service, start_time=at(monday, 10), client_name="Outra Cliente")
    body = {
        "business_slug": business.slug,
        "service_id": str(service.pk),
        "start_time": at(monday, 10).isoformat(),
        "client_name": "Ana",
        "client_whatsapp": "11988887777",
        "consent_whatsapp": True,
    }

    response = api_client.post("/api/appointments/public", body, format="json")

    assert response.status_code == 409
    data = response.json()
    assert set(data) == {"detail", "available_slots"}
    assert str(taken.pk) not in response.content.decode() and "Outra Cliente" not in response.content.decode()
    assert at(monday, 10).isoformat() not in data["available_slots"]
    assert data["available_slots"][:2] == [at(monday, 9).isoformat(), at(monday, 11).isoformat()]
    assert Appointment.objects.count() == 1


def test_public_page_after_a_taken_time_offers_the_times_still_free_and_none_chosen(client, business, service, monday):
    AppointmentFactory(service=service, start_time=at(monday, 10))
    AppointmentFactory(service=service, start_time=at(monday, 11))

    response = client.post(book_url(business, service), form(at(monday, 10)))

    assert response.status_code == 409
    offered = re.findall(r'name="start_time" id="[\w-]+" value="([^"]+)"', response.content.decode())
    assert offered[:2] == [at(monday, 9).isoformat(), at(monday, 12).isoformat()]
    assert " checked" not in re.search(r'<ul class="slot-grid">.*?</ul>', response.content.decode(), re.S).group(0)


def test_a_service_whose_assigned_professionals_are_inactive_is_not_offered_online(client, business, service, monday):
    specialist = ProfessionalFactory(business=business, is_active=False)
    specialist.services.add(service)

    page = client.get(book_url(business, service), {"date": monday.isoformat()})
    assert 'name="start_time"' not in page.content.decode()

    response = client.post(book_url(business, service), form(at(monday, 10)))
    assert response.status_code == 400
    assert not Appointment.objects.exists()


def test_a_clients_reschedule_on_the_manage_page_tells_the_owner(client, business, service, monday):
    client.post(book_url(business, service), form(at(monday, 10)))
    appointment = Appointment.objects.get()
    tuesday = monday + timedelta(days=1)

    response = client.post(
        f"/b/{business.slug}/a/{appointment.manage_token}/",
        {"action": "reschedule", "start_time": at(tuesday, 15).isoformat()},
    )

    assert response.status_code == 200
    told = Message.objects.filter(kind=Kind.OWNER_RESCHEDULE, appointment=appointment)
    assert sorted(told.values_list("channel", "recipient")) == [
        (Channel.EMAIL, business.email),
        (Channel.WHATSAPP, business.whatsapp_number),
    ]
