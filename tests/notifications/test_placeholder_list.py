"""The message text editor lists every placeholder with what it means and a button to insert it."""

import re

import pytest

from notifications.services import PLACEHOLDERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, business):
    client.force_login(business.owner_login)
    return client


def test_every_placeholder_is_listed_with_its_meaning_in_portuguese(logged_in):
    page = logged_in.get("/dashboard/messages/texts/reminder/whatsapp/").content.decode()

    items = re.findall(r'<li class="placeholder-item">(.*?)</li>', page, re.S)
    assert len(items) == len(PLACEHOLDERS)
    assert "<code>{client_name}</code>" in items[0] and "— o nome do cliente" in items[0]
    for name, item in zip(PLACEHOLDERS, items, strict=True):
        assert f"<code>{{{name}}}</code>" in item
        assert f'data-insert="{{{name}}}"' in item and 'data-target="id_body"' in item


def test_without_javascript_the_list_shows_and_the_insert_buttons_stay_hidden(logged_in):
    page = logged_in.get("/dashboard/messages/texts/confirmation/email/").content.decode()

    assert "Campos que você pode usar" in page and "<details" not in page
    buttons = re.findall(r"<button[^>]*data-insert=[^>]*>", page)
    assert buttons and all(" hidden" in button for button in buttons)
    assert 'src="/static/js/forms.js"' in page and 'href="/static/css/forms.css"' in page
    assert "Inserir" in page


def test_a_text_typed_with_placeholders_saves(logged_in, business):
    body = "Oi, {client_name}! Até {weekday}, {date} às {time}."

    response = logged_in.post("/dashboard/messages/texts/reminder/whatsapp/", {"body": body, "action": "save"})

    assert response.status_code == 302
    assert business.message_templates.get().body == body
