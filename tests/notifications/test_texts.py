"""Message texts: only plain `{name}` placeholders, a length cap per channel, and rendering that
no stored text can blow up."""

import pytest
from django.core.exceptions import ValidationError

from notifications.models import Channel, Kind, Message, MessageTemplate
from notifications.services import texts
from scheduling import services as scheduling
from tests.helpers import as_owner, at

pytestmark = pytest.mark.django_db

TEMPLATE_URL = "/api/notifications/templates/reminder/whatsapp"
DASHBOARD_URL = "/dashboard/messages/texts/reminder/whatsapp/"
NOT_PLAIN = [
    "{client_name:x>999999999}",
    "{client_name.__class__}",
    "{client_name[0]}",
    "{client_name!r}",
    "{}",
    "{0}",
]


@pytest.mark.parametrize("placeholder", NOT_PLAIN)
def test_a_placeholder_with_a_format_spec_conversion_attribute_or_index_is_refused(placeholder, auth_client):
    response = auth_client.put(TEMPLATE_URL, {"body": f"Oi {placeholder}, até {{time}}"}, format="json")
    assert response.status_code == 400
    assert placeholder in response.json()["body"][0]
    assert not MessageTemplate.objects.exists()


@pytest.mark.parametrize("placeholder", NOT_PLAIN)
def test_the_preview_refuses_a_placeholder_that_is_not_plain(placeholder, auth_client):
    response = auth_client.post(TEMPLATE_URL + "/preview", {"subject": "", "body": f"Oi {placeholder}"}, format="json")
    assert response.status_code == 400
    assert placeholder in response.json()["body"][0]


def test_an_email_subject_with_a_format_spec_is_refused(auth_client):
    response = auth_client.put(
        "/api/notifications/templates/reminder/email",
        {"subject": "Lembrete {time:>99}", "body": "Oi {client_name}"},
        format="json",
    )
    assert response.status_code == 400 and "{time:>99}" in response.json()["subject"][0]


def test_literal_braces_are_written_doubled(auth_client):
    assert auth_client.put(TEMPLATE_URL, {"body": "Oi {client_name} {{:)}}"}, format="json").status_code == 200
    assert auth_client.post(TEMPLATE_URL + "/preview", {}, format="json").json()["body"] == "Oi Maria Silva {:)}"
    assert auth_client.put(TEMPLATE_URL, {"body": "Oi {client_name"}, format="json").status_code == 400


def test_a_text_longer_than_its_channel_allows_is_refused(auth_client):
    whatsapp_max, email_max = texts.BODY_MAX_LENGTH[Channel.WHATSAPP], texts.BODY_MAX_LENGTH[Channel.EMAIL]
    assert whatsapp_max == 4096 and email_max == 10_000
    email_url = "/api/notifications/templates/reminder/email"
    assert auth_client.put(TEMPLATE_URL, {"body": "a" * whatsapp_max}, format="json").status_code == 200
    too_long = auth_client.put(TEMPLATE_URL, {"body": "a" * (whatsapp_max + 1)}, format="json")
    assert too_long.status_code == 400 and "body" in too_long.json()
    assert auth_client.put(email_url, {"body": "a" * email_max}, format="json").status_code == 200
    assert auth_client.put(email_url, {"body": "a" * (email_max + 1)}, format="json").status_code == 400
    long_subject = auth_client.put(email_url, {"subject": "a" * 256, "body": "Oi"}, format="json")
    assert long_subject.status_code == 400 and "subject" in long_subject.json()
    long_preview = auth_client.post(TEMPLATE_URL + "/preview", {"body": "a" * (whatsapp_max + 1)}, format="json")
    assert long_preview.status_code == 400


def test_the_dashboard_form_refuses_a_format_spec_naming_it(client, business):
    client.force_login(business.owner_login)
    refused = client.post(DASHBOARD_URL, {"body": "Oi {client_name:x>999999999}", "action": "save"})
    assert refused.status_code == 400 and "{client_name:x&gt;999999999}" in refused.content.decode()
    preview = client.post(DASHBOARD_URL, {"body": "Oi {client_name!r}", "action": "preview"})
    assert preview.status_code == 400 and "{client_name!r}" in preview.content.decode()
    assert client.post(DASHBOARD_URL, {"body": "a" * 4097, "action": "save"}).status_code == 400
    assert not MessageTemplate.objects.exists()


@pytest.mark.parametrize("placeholder", NOT_PLAIN)
def test_the_service_refuses_a_placeholder_that_is_not_plain(placeholder, business):
    with pytest.raises(ValidationError) as refused:
        texts.template_save(business=business, kind=Kind.REMINDER, channel=Channel.WHATSAPP, body=f"Oi {placeholder}")
    assert placeholder in refused.value.message_dict["body"][0]


def test_rendering_ignores_format_machinery_in_any_text():
    context = {"client_name": "Ana", "time": "10:00"}
    rendered = texts.text_render(
        "Oi {client_name}{client_name:x>999999999}{client_name!r}{client_name.__class__}{client_name[0]}{0}{}"
        "{nome}, {time} {{ok}}",
        context,
    )
    assert rendered == "Oi Ana, 10:00 {ok}"


def test_a_stored_text_with_a_format_spec_is_sent_without_it(
    business, service, monday, django_capture_on_commit_callbacks
):
    # Written before texts were checked this strictly (or straight into the database).
    MessageTemplate.objects.create(
        business=business,
        kind=Kind.CONFIRMATION,
        channel=Channel.WHATSAPP,
        body="Oi {client_name}{client_name:x>999999999}{client_name!r}{nome}, {time}",
    )
    with django_capture_on_commit_callbacks(execute=True):
        appointment = scheduling.appointment_book(
            business=business,
            actor=as_owner(business),
            service_id=service.pk,
            start_time=at(monday, 10),
            client_name="João",
            client_whatsapp="+55 11 98888-7777",
        )
    message = Message.objects.get(appointment=appointment, kind=Kind.CONFIRMATION, channel=Channel.WHATSAPP)
    assert message.body == "Oi João, 10:00"
