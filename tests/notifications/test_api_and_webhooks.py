"""The queues API, message templates and settings, and the WhatsApp webhook."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.core import mail
from rest_framework.test import APIClient

from accounts.services import tokens_issue
from notifications.backends import whatsapp
from notifications.models import InboundMessage, Kind, Message
from notifications.models import Status as MessageStatus
from scheduling import services as scheduling
from scheduling.models import Appointment
from tests.factories import BusinessFactory, ServiceFactory, UserFactory
from tests.helpers import as_owner, at

pytestmark = pytest.mark.django_db

APP_SECRET = "segredo-do-app"
VERIFY_TOKEN = "token-de-verificacao"
WEBHOOK = "/api/webhooks/whatsapp"


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.WHATSAPP_APP_SECRET = APP_SECRET
    settings.WHATSAPP_VERIFY_TOKEN = VERIFY_TOKEN


@pytest.fixture
def booked(business, service, monday, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return scheduling.appointment_book(
            business=business,
            actor=as_owner(business),
            service_id=service.pk,
            start_time=at(monday, 10),
            client_name="João",
            client_whatsapp="+55 11 98888-7777",
            status="pending",  # awaiting the business: the client's reply is what these tests follow
        )


def post_signed(client, payload, *, secret=APP_SECRET, captured=None):
    raw = json.dumps(payload, ensure_ascii=False).encode()
    signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return client.post(WEBHOOK, data=raw, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature)


def envelope(value):
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "1", "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp", **value}}]}],
    }


def reply(text=None, *, payload=None, wamid="wamid.in1", context=None, sender="5511988887777"):
    message = {"from": sender, "id": wamid, "timestamp": "1700000000"}
    if payload:
        message.update(type="button", button={"payload": payload, "text": text or payload})
    else:
        message.update(type="text", text={"body": text})
    if context:
        message["context"] = {"from": "5511900000000", "id": context}
    return envelope({"contacts": [{"wa_id": sender}], "messages": [message]})


def status_event(wamid, status):
    return envelope({"statuses": [{"id": wamid, "status": status, "timestamp": "1700000000", "recipient_id": "x"}]})


# --- Webhook -------------------------------------------------------------------------------------------
def test_verification_handshake(api_client):
    ok = api_client.get(WEBHOOK, {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "42"})
    assert ok.status_code == 200 and ok.content == b"42" and ok["Content-Type"].startswith("text/plain")
    wrong = api_client.get(WEBHOOK, {"hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "42"})
    assert wrong.status_code == 403


@pytest.mark.parametrize("params", [{"hub.verify_token": "ção"}, {}, {"hub.verify_token": ""}])
def test_a_missing_or_non_ascii_verify_token_is_refused_not_a_500(api_client, params):
    response = api_client.get(WEBHOOK, {"hub.mode": "subscribe", "hub.challenge": "42", **params})

    assert response.status_code == 403


def test_the_handshake_is_refused_while_no_verify_token_is_configured(api_client, settings):
    settings.WHATSAPP_VERIFY_TOKEN = ""

    response = api_client.get(WEBHOOK, {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "42"})

    assert response.status_code == 403


def test_a_bad_or_missing_signature_changes_nothing(api_client, booked):
    confirmation = Message.objects.get(appointment=booked, kind=Kind.CONFIRMATION)
    for secret in ("wrong-secret",):
        assert (
            post_signed(api_client, status_event(confirmation.provider_message_id, "read"), secret=secret).status_code
            == 403
        )
    unsigned = api_client.post(WEBHOOK, data=json.dumps(reply("1")), content_type="application/json")
    assert unsigned.status_code == 403
    confirmation.refresh_from_db()
    booked.refresh_from_db()
    assert confirmation.status == MessageStatus.SENT and booked.status == "pending"
    assert not InboundMessage.objects.exists()


def test_status_events_move_messages_forward_only(api_client, booked):
    confirmation = Message.objects.get(appointment=booked, kind=Kind.CONFIRMATION)
    wamid = confirmation.provider_message_id
    post_signed(api_client, status_event(wamid, "read"))  # delivered was skipped
    post_signed(api_client, status_event(wamid, "delivered"))  # and arrives late
    confirmation.refresh_from_db()
    assert confirmation.status == MessageStatus.READ
    assert confirmation.delivered_at is not None and confirmation.read_at is not None


def test_a_failed_status_marks_the_message_failed(api_client, booked):
    confirmation = Message.objects.get(appointment=booked, kind=Kind.CONFIRMATION)
    event = status_event(confirmation.provider_message_id, "failed")
    event["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = [{"code": 131026, "title": "Undeliverable"}]
    post_signed(api_client, event)
    confirmation.refresh_from_db()
    assert confirmation.status == MessageStatus.FAILED and "131026" in confirmation.last_error


@pytest.mark.parametrize("text", ["1", "SIM", "Sim!", "confirmar"])
def test_replying_yes_records_the_clients_word_and_is_answered(
    api_client, booked, text, django_capture_on_commit_callbacks
):
    whatsapp.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert post_signed(api_client, reply(text)).status_code == 200
    booked.refresh_from_db()
    assert booked.status == "pending"  # the client's word is recorded apart; the business still confirms
    assert booked.client_confirmed_at is not None
    assert [m["kind"] for m in whatsapp.outbox] == ["reply"]


def test_a_clients_yes_to_a_confirmed_booking_is_thanked_with_its_time(
    api_client, booked, django_capture_on_commit_callbacks
):
    Appointment.objects.filter(pk=booked.pk).update(status="confirmed")
    whatsapp.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert post_signed(api_client, reply("1")).status_code == 200
    booked.refresh_from_db()
    assert (booked.status, booked.client_confirmed_at is not None) == ("confirmed", True)
    assert [m["kind"] for m in whatsapp.outbox] == ["reply"]
    assert "10:00" in whatsapp.outbox[0]["body"]


@pytest.mark.parametrize("text", ["2", "NÃO", "nao", "Cancelar"])
def test_replying_no_cancels_tells_the_owner_and_answers(
    api_client, booked, business, text, django_capture_on_commit_callbacks
):
    whatsapp.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_signed(api_client, reply(text))
    booked.refresh_from_db()
    assert booked.status == "cancelled"
    assert {m["kind"] for m in whatsapp.outbox} == {"cancellation", "owner_cancellation"}


def test_the_cancel_button_names_its_appointment(api_client, booked, django_capture_on_commit_callbacks):
    confirmation = Message.objects.get(appointment=booked, kind=Kind.CONFIRMATION)
    with django_capture_on_commit_callbacks(execute=True):
        post_signed(
            api_client, reply("Cancelar", payload=f"CANCEL:{booked.pk}", context=confirmation.provider_message_id)
        )
    booked.refresh_from_db()
    assert booked.status == "cancelled"


def test_a_button_for_someone_elses_appointment_does_nothing(api_client, booked, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_signed(api_client, reply("Cancelar", payload=f"CANCEL:{booked.pk}", sender="5521977776666"))
    booked.refresh_from_db()
    assert booked.status == "pending"


def test_too_late_to_cancel_online_is_explained(api_client, booked, business, django_capture_on_commit_callbacks):
    scheduling.booking_rules_update(business=business, data={"cancellation_notice_hours": 24 * 30})
    whatsapp.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_signed(api_client, reply("2"))
    booked.refresh_from_db()
    assert booked.status == "pending"
    assert whatsapp.outbox[0]["kind"] == "reply"
    assert whatsapp.outbox[0]["payload"]["type"] == "text"  # inside the window: free text
    assert "720" in whatsapp.outbox[0]["body"]


def test_the_same_event_twice_is_handled_once(api_client, booked, django_capture_on_commit_callbacks):
    whatsapp.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post_signed(api_client, reply("oi?", wamid="wamid.same"))
        post_signed(api_client, reply("oi?", wamid="wamid.same"))
    assert InboundMessage.objects.count() == 1
    assert len(whatsapp.outbox) == 1 and whatsapp.outbox[0]["kind"] == "reply"


def test_malformed_webhook_body_is_a_400(api_client):
    raw = b"{not json"
    signature = "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()
    response = api_client.post(WEBHOOK, data=raw, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature)
    assert response.status_code == 400


# --- Queues API ------------------------------------------------------------------------------------------
def test_queue_status_has_a_key_per_queue_and_scheduled_messages(auth_client, booked):
    body = auth_client.get("/api/queues/status").json()
    assert set(body) == {
        "appointment_confirmations",
        "appointment_reminders",
        "appointment_cancellations",
        "appointment_follow_ups",
        "whatsapp_messages",
        "email_notifications",
        "scheduled_messages",
    }
    assert body["scheduled_messages"] == {"length": 2}
    confirmation = Message.objects.get(appointment=booked, kind=Kind.CONFIRMATION)
    assert body["appointment_confirmations"] == {"length": 0, "groups": 0, "last-entry": str(confirmation.pk)}


def test_failed_messages_listed_retried_and_cleared_per_owner(
    auth_client, booked, business, django_capture_on_commit_callbacks
):
    Message.objects.filter(appointment=booked, kind=Kind.CONFIRMATION).update(
        status=MessageStatus.FAILED, last_error="HTTP 500"
    )
    other = BusinessFactory()
    theirs = scheduling.appointment_book(
        business=other,
        actor=as_owner(other),
        service_id=ServiceFactory(business=other).pk,
        start_time=booked.start_time,
        client_name="X",
        client_whatsapp="11900001111",
    )
    Message.objects.filter(appointment=theirs).update(status=MessageStatus.FAILED)

    listed = auth_client.get("/api/queues/failed/appointment_confirmations").json()
    assert listed["total"] == 1 and listed["messages"][0]["last_error"] == "HTTP 500"
    whatsapp.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        retried = auth_client.post("/api/queues/failed/appointment_confirmations/retry")
    assert retried.json() == {"count": 1}
    assert [m["to"] for m in whatsapp.outbox] == ["+5511988887777"]
    Message.objects.filter(appointment=booked, kind=Kind.CONFIRMATION).update(status=MessageStatus.FAILED)
    assert auth_client.delete("/api/queues/failed/appointment_confirmations").json() == {"count": 1}
    assert Message.objects.filter(appointment=theirs, status=MessageStatus.FAILED).count() == 3
    assert auth_client.get("/api/queues/failed/nope").status_code == 404


def test_test_sends_go_to_the_business_itself_and_show_in_the_log(
    auth_client, business, django_capture_on_commit_callbacks
):
    national = f"({business.whatsapp_number[3:5]}) {business.whatsapp_number[5:10]}-{business.whatsapp_number[10:]}"
    with django_capture_on_commit_callbacks(execute=True):
        # The seed's body, naming the business's own number (written nationally).
        sent = auth_client.post(
            "/api/queues/test/whatsapp",
            {"recipient_whatsapp": national, "message_content": "Olá, teste"},
            format="json",
        )
        emailed = auth_client.post("/api/queues/test/email", {"recipient_email": business.email.upper()}, format="json")
    assert sent.status_code == 202 and emailed.status_code == 202
    assert whatsapp.outbox[-1]["body"] == "Olá, teste" and whatsapp.outbox[-1]["to"] == business.whatsapp_number
    assert mail.outbox[-1].to == [business.email]
    log = auth_client.get("/api/queues/messages", {"channel": "whatsapp"}).json()
    assert log["total"] == 1 and log["messages"][0]["status"] == "sent"
    assert auth_client.get("/api/queues/messages").json()["total"] == 2
    assert auth_client.get("/api/queues/messages", {"status": "lost"}).status_code == 400
    bad = auth_client.post("/api/queues/test/whatsapp", {"recipient_whatsapp": "12"}, format="json")
    assert bad.status_code == 400 and "recipient_whatsapp" in bad.json()


def test_a_test_without_a_recipient_goes_to_the_business_itself(
    auth_client, business, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert auth_client.post("/api/queues/test/whatsapp", {}, format="json").status_code == 202
        assert auth_client.post("/api/queues/test/email", {}, format="json").status_code == 202
    assert whatsapp.outbox[-1]["to"] == business.whatsapp_number
    assert mail.outbox[-1].to == [business.email]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("whatsapp", {"recipient_whatsapp": "+5511977770000", "message_content": "Compre já"}, "recipient_whatsapp"),
        ("email", {"recipient_email": "alguem@exemplo.com", "body": "Compre já"}, "recipient_email"),
    ],
)
def test_a_test_to_anyone_else_is_refused_and_nothing_is_written(
    path, body, field, auth_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        refused = auth_client.post(f"/api/queues/test/{path}", body, format="json")
    assert refused.status_code == 400 and field in refused.json()
    assert not Message.objects.exists()
    assert whatsapp.outbox == [] and mail.outbox == []


def test_a_whatsapp_test_needs_the_business_number_first(auth_client, business):
    business.whatsapp_number = ""
    business.save(update_fields=["whatsapp_number"])
    refused = auth_client.post("/api/queues/test/whatsapp", {}, format="json")
    assert refused.status_code == 400 and "recipient_whatsapp" in refused.json()
    assert not Message.objects.exists()


def test_a_test_text_is_short(auth_client, business):
    long_text = "a" * 501
    whatsapp_test = auth_client.post("/api/queues/test/whatsapp", {"message_content": long_text}, format="json")
    email_test = auth_client.post("/api/queues/test/email", {"body": long_text}, format="json")
    assert whatsapp_test.status_code == 400 and "message_content" in whatsapp_test.json()
    assert email_test.status_code == 400 and "body" in email_test.json()
    assert not Message.objects.exists()


def test_the_sixth_test_within_the_hour_is_429(auth_client, business, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for path in ("whatsapp", "email", "whatsapp", "email", "whatsapp"):
            assert auth_client.post(f"/api/queues/test/{path}", {}, format="json").status_code == 202
        refused = auth_client.post("/api/queues/test/email", {}, format="json")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Message.objects.count() == 5
    other = BusinessFactory()
    other_client = APIClient()
    other_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(user=other.owner_login)['access_token']}")
    assert other_client.post("/api/queues/test/email", {}, format="json").status_code == 202


def test_worker_control_is_for_staff_only(auth_client, api_client, business):
    for method, path in (("get", "status"), ("post", "start"), ("post", "stop")):
        assert getattr(auth_client, method)(f"/api/queues/workers/{path}").status_code == 403
    staff = UserFactory(is_staff=True)
    api_client.force_authenticate(staff)
    assert api_client.get("/api/queues/workers/status").json() == {"mode": "inline", "workers": {}}


# --- Templates and settings -----------------------------------------------------------------------------------
def test_templates_list_save_preview_and_reset(auth_client):
    listed = auth_client.get("/api/notifications/templates").json()
    assert "client_name" in listed["placeholders"]
    assert {(t["kind"], t["channel"]) for t in listed["templates"]} >= {("reminder", "whatsapp"), ("reminder", "email")}
    url = "/api/notifications/templates/reminder/whatsapp"
    saved = auth_client.put(url, {"body": "Lembrete, {client_name}: {time}!"}, format="json")
    assert saved.status_code == 200 and saved.json()["is_custom"] is True
    preview = auth_client.post(url + "/preview", {}, format="json").json()
    assert preview["body"] == "Lembrete, Maria Silva: 14:00!"
    refused = auth_client.put(url, {"body": "Oi {nome_cliente}"}, format="json")
    assert refused.status_code == 400 and "{nome_cliente}" in refused.json()["body"][0]
    assert auth_client.delete(url).status_code == 204
    assert (
        auth_client.put("/api/notifications/templates/reply/whatsapp", {"body": "x"}, format="json").status_code == 400
    )


def test_reminder_times_are_configurable(auth_client, business, service, monday, django_capture_on_commit_callbacks):
    response = auth_client.patch("/api/notifications/settings", {"reminder_offsets_minutes": [60 * 48]}, format="json")
    assert response.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        appointment = scheduling.appointment_book(
            business=business,
            actor=as_owner(business),
            service_id=service.pk,
            start_time=at(monday, 10),
            client_name="A",
            client_whatsapp="11988887777",
        )
    reminders = Message.objects.filter(appointment=appointment, kind=Kind.REMINDER)
    assert [r.scheduled_at for r in reminders] == [at(monday, 10) - timedelta(hours=48)]
    bad = auth_client.patch("/api/notifications/settings", {"reminder_offsets_minutes": [-5]}, format="json")
    assert bad.status_code == 400
    assert Appointment.objects.count() == 1


def test_staff_find_a_message_in_the_admin_and_send_it_again(client, booked, django_capture_on_commit_callbacks):
    confirmation = Message.objects.get(appointment=booked, kind=Kind.CONFIRMATION)
    Message.objects.filter(pk=confirmation.pk).update(status=MessageStatus.FAILED, last_error="HTTP 500")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    listing = client.get("/admin/notifications/message/", {"q": "+5511988887777", "status__exact": "failed"})
    assert listing.status_code == 200 and str(confirmation.pk) in listing.content.decode()
    whatsapp.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/admin/notifications/message/",
            {"action": "send_again", "_selected_action": [str(confirmation.pk)]},
        )
    confirmation.refresh_from_db()
    assert confirmation.status == MessageStatus.SENT and len(whatsapp.outbox) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"reminder_offsets_minutes": [1e308]},
        {"reminder_offsets_minutes": [10**30]},
        {"reminder_offsets_minutes": [1.5]},
        {"reminder_offsets_minutes": [True]},
        {"reminder_offsets_minutes": [0]},
        {"reminder_offsets_minutes": ["uma hora"]},
        {"reminder_offsets_minutes": 60},
        {"reminder_offsets_minutes": None},
        {"follow_up_delay_minutes": 10**30},
        {"follow_up_delay_minutes": 1e308},
        {"follow_up_delay_minutes": -1},
        {"follow_up_delay_minutes": None},
    ],
)
@pytest.mark.parametrize("method", ["put", "patch"])
def test_out_of_range_settings_are_a_400_naming_the_field(auth_client, business, method, body):
    response = getattr(auth_client, method)("/api/notifications/settings", body, format="json")

    assert response.status_code == 400, response.content
    assert set(body) <= set(response.json()), response.json()
    saved = auth_client.get("/api/notifications/settings").json()
    assert (saved["reminder_offsets_minutes"], saved["follow_up_delay_minutes"]) == ([1440, 120], 1440)


@pytest.mark.parametrize("raw", ['{"reminder_offsets_minutes": [Infinity]}', '{"follow_up_delay_minutes": NaN}'])
def test_non_finite_json_numbers_in_settings_are_a_400(auth_client, raw):
    response = auth_client.generic("PATCH", "/api/notifications/settings", raw, content_type="application/json")

    assert response.status_code == 400
