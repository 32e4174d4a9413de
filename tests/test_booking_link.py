"""The owner shares the booking link: absolute, copyable, sent by WhatsApp, as a QR code and a printable sheet."""

import html
import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
import segno
from django.test import Client
from django.urls import reverse

from accounts.booking_link import QR_QUIET_ZONE
from tests.factories import BusinessFactory

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def owner_client(business) -> Client:
    client = Client()
    client.force_login(business.owner_login)
    return client


def _link(business) -> str:
    return f"http://testserver/b/{business.slug}/"


def _drawn_matrix(svg: str) -> list[list[bool]]:
    """Read back the dark modules segno draws as horizontal strokes ("M x y h n m dx dy ...") in module units."""
    root = ET.fromstring(svg)  # noqa: S314 - our own server's SVG
    path = next(p for p in root.iter(f"{SVG}path") if p.get("stroke"))
    x = y = 0.0
    dark = set()
    for command, numbers in re.findall(r"([MmHh])([-\d. ]+)", path.get("d")):
        values = [float(n) for n in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            length = values[0] if command == "h" else values[0] - x
            dark.update((int(y), int(x) + i) for i in range(int(length)))
            x += length
    size = int(root.get("viewBox").split()[2])
    return [[(row, col) in dark for col in range(size)] for row in range(size)]


def test_home_shows_the_absolute_booking_link_to_copy_and_send_by_whatsapp(owner_client, business):
    page = owner_client.get(reverse("dashboard:home")).content.decode()

    link = _link(business)
    assert f'value="{link}" readonly' in page
    assert 'id="copy-booking-url"' in page and "navigator.clipboard" in page
    whatsapp = re.search(r'href="(https://wa.me/\?text=[^"]+)" target="_blank" rel="noopener"', page)
    assert whatsapp and quote(link, safe="") in html.unescape(whatsapp.group(1))
    assert reverse("dashboard:booking-link-qr") in page
    assert reverse("dashboard:booking-link-print") in page


def test_qr_code_encodes_the_businesss_own_absolute_link(owner_client, business):
    other = BusinessFactory()

    response = owner_client.get(reverse("dashboard:booking-link-qr"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    svg = response.content.decode()
    expected = segno.make(_link(business), micro=False)
    drawn = _drawn_matrix(svg)
    assert len(drawn) == expected.symbol_size(scale=1, border=QR_QUIET_ZONE)[0]
    inner = [row[QR_QUIET_ZONE:-QR_QUIET_ZONE] for row in drawn[QR_QUIET_ZONE:-QR_QUIET_ZONE]]
    assert inner == [[bool(module) for module in row] for row in expected.matrix]
    assert not any(any(row) for row in drawn[:QR_QUIET_ZONE])  # the quiet zone is empty
    assert inner != [[bool(m) for m in row] for row in segno.make(_link(other), micro=False).matrix]
    assert other.slug not in svg


def test_printable_page_shows_the_link_and_the_qr_code(owner_client, business):
    other = BusinessFactory()

    page = owner_client.get(reverse("dashboard:booking-link-print")).content.decode()

    assert _link(business) in page
    assert f'src="{reverse("dashboard:booking-link-qr")}"' in page
    assert "window.print()" in page
    assert other.slug not in page


@pytest.mark.parametrize("name", ["home", "booking-link-qr", "booking-link-print"])
def test_anonymous_visitors_are_sent_to_login(db, name):
    response = Client().get(reverse(f"dashboard:{name}"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
