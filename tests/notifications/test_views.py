"""The owner's Messages pages: the log, retrying failed messages, texts and reminder times."""

import pytest

from notifications.models import Kind, Message, MessageTemplate
from notifications.models import Status as MessageStatus
from notifications.services import notification_settings_get
from scheduling import services as scheduling
from tests.factories import BusinessFactory, ServiceFactory
from tests.helpers import as_owner, at

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, business):
    client.force_login(business.owner_login)
    return client


@pytest.fixture
def booked(business, service, monday, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return scheduling.appointment_book(
            business=business,
            actor=as_owner(business),
            service_id=service.pk,
            start_time=at(monday, 10),
            client_name="Ana",
            client_whatsapp="11988887777",
        )


def test_the_log_shows_this_business_messages_only(logged_in, booked, monday, django_assert_max_num_queries):
    other = BusinessFactory()
    scheduling.appointment_book(
        business=other,
        actor=as_owner(other),
        service_id=ServiceFactory(business=other).pk,
        start_time=at(monday, 10),
        client_name="Zeca",
        client_whatsapp="21977776666",
    )
    with django_assert_max_num_queries(15):
        page = logged_in.get("/dashboard/messages/")
    content = page.content.decode()
    assert page.status_code == 200
    assert "(11) 98888-7777" in content and "97777-6666" not in content
    assert "Confirmação" in content
    filtered = logged_in.get("/dashboard/messages/", {"status": "pending"}).content.decode()
    assert filtered.count('class="row-title">Lembrete') == 2
    assert logged_in.get("/dashboard/messages/", {"status": "lost"}).status_code == 400


def test_failed_messages_can_be_sent_again(logged_in, booked, django_capture_on_commit_callbacks):
    Message.objects.filter(appointment=booked, kind=Kind.CONFIRMATION).update(status=MessageStatus.FAILED)
    assert "Enviar de novo" in logged_in.get("/dashboard/messages/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = logged_in.post("/dashboard/messages/retry/", {"queue": "appointment_confirmations"})
    assert response.status_code == 302
    assert Message.objects.get(appointment=booked, kind=Kind.CONFIRMATION).status == MessageStatus.SENT


def test_reminder_times_and_follow_up_are_set_in_hours(logged_in, business):
    response = logged_in.post(
        "/dashboard/messages/settings/",
        {"reminder_hours": "48, 1.5", "follow_up_enabled": "on", "follow_up_delay_hours": "3", "notify_owner": ""},
    )
    assert response.status_code == 302
    saved = notification_settings_get(business=business)
    assert (saved.reminder_offsets_minutes, saved.follow_up_delay_minutes, saved.notify_owner) == (
        [2880, 90],
        180,
        False,
    )
    bad = logged_in.post("/dashboard/messages/settings/", {"reminder_hours": "amanhã", "follow_up_delay_hours": "3"})
    assert bad.status_code == 400


def test_a_text_is_previewed_saved_and_reset(logged_in, business):
    url = "/dashboard/messages/texts/reminder/whatsapp/"
    assert logged_in.get(url).status_code == 200
    preview = logged_in.post(url, {"body": "Oi {client_name}, amanhã às {time}", "action": "preview"})
    assert "Oi Maria Silva, amanhã às 14:00" in preview.content.decode()
    assert not MessageTemplate.objects.exists()
    refused = logged_in.post(url, {"body": "Oi {cliente}", "action": "save"})
    assert refused.status_code == 400 and "{cliente}" in refused.content.decode()
    assert logged_in.post(url, {"body": "Oi {client_name}", "action": "save"}).status_code == 302
    assert MessageTemplate.objects.get(business=business).body == "Oi {client_name}"
    logged_in.post(url, {"body": "x", "action": "reset"})
    assert not MessageTemplate.objects.exists()
    assert logged_in.get("/dashboard/messages/texts/reply/whatsapp/").status_code == 404


def test_messages_pages_need_login(client):
    assert client.get("/dashboard/messages/").status_code == 302


@pytest.mark.parametrize("hours", ["1e308", "inf", "-inf", "nan", "1e400"])
def test_reminder_hours_that_are_not_finite_numbers_are_a_form_error(logged_in, business, hours):
    response = logged_in.post("/dashboard/messages/settings/", {"reminder_hours": hours, "follow_up_delay_hours": "3"})

    assert response.status_code == 400
    assert response.context["form"].errors["reminder_hours"]
    assert notification_settings_get(business=business).reminder_offsets_minutes == [1440, 120]


@pytest.mark.parametrize("hours", ["-1", "0", "0.001", "24, 400", "9" * 40])
def test_reminder_hours_out_of_range_are_refused_beside_the_field(logged_in, business, hours):
    response = logged_in.post("/dashboard/messages/settings/", {"reminder_hours": hours, "follow_up_delay_hours": "3"})

    assert response.status_code == 400
    assert response.context["form"].errors["reminder_hours"]
    assert not response.context["form"].non_field_errors()
    assert notification_settings_get(business=business).reminder_offsets_minutes == [1440, 120]


@pytest.mark.parametrize("hours", ["-1", "1e308", "99999999999999999999999999999", "nan", "1.5"])
def test_bad_follow_up_hours_are_refused_beside_the_field(logged_in, business, hours):
    response = logged_in.post("/dashboard/messages/settings/", {"reminder_hours": "24", "follow_up_delay_hours": hours})

    assert response.status_code == 400
    assert response.context["form"].errors["follow_up_delay_hours"]
    assert notification_settings_get(business=business).follow_up_delay_minutes == 24 * 60
