"""What the public booking page (/b/<slug>/) shows about the business: logo, description, address with a
map link, opening hours in pt-BR, the team; light and in a fixed number of queries."""

import io
import re
from urllib.parse import quote

import pytest
from django.contrib.staticfiles import finders
from PIL import Image

from accounts.services import business_logo_set
from scheduling.models import WorkingHours
from tests.factories import ProfessionalFactory, ServiceFactory
from tests.helpers import set_hours

pytestmark = pytest.mark.django_db

PAGE_BUDGET_BYTES = 100 * 1024
# The business (with its logo's version), its services, the opening hours and the team.
PAGE_QUERIES = 3


def photo_png(size=(1600, 1600)) -> bytes:
    """A noisy photo-like PNG near the upload limit's worst case: it must still be stored small."""
    out = io.BytesIO()
    Image.effect_noise(size, 80).convert("RGB").resize((400, 400)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def dressed_business(business, pro):
    business.description = "Cortes e escovas desde 1998, com hora marcada."
    business.address = "Rua Augusta, 1000\nSão Paulo - SP"
    business.save(update_fields=["description", "address"])
    WorkingHours.objects.filter(professional__business=business).delete()
    set_hours(pro, 0, ("09:00", "12:00"), ("13:00", "18:00"))
    set_hours(pro, 5, ("09:00", "13:00"))
    bia = ProfessionalFactory(business=business, name="Bia Rocha")
    set_hours(bia, 2, ("10:00", "19:00"))
    ProfessionalFactory(business=business, name="Caio Antigo", is_active=False)
    ProfessionalFactory(business=business, name="Sem Horário")  # takes no bookings: no hours
    ServiceFactory(business=business, name="Corte")
    return business


def test_the_page_shows_logo_description_and_address_with_a_map_link(client, dressed_business):
    logo = business_logo_set(business=dressed_business, data=photo_png())
    content = client.get(f"/b/{dressed_business.slug}/").content.decode()
    assert f'src="/b/{dressed_business.slug}/logo/{logo.version}"' in content
    assert "Cortes e escovas desde 1998, com hora marcada." in content
    map_url = "https://www.google.com/maps/search/?api=1&amp;query=" + quote(
        "Rua Augusta, 1000, São Paulo - SP", safe=""
    )
    link = re.search(r'<a href="https://www\.google\.com/maps/[^"]*"[^>]*>', content).group(0)
    assert f'href="{map_url}"' in link and 'target="_blank"' in link and 'rel="noopener"' in link


def test_the_page_shows_opening_hours_per_weekday_in_portuguese(client, dressed_business):
    content = client.get(f"/b/{dressed_business.slug}/").content.decode()
    days = re.findall(r"<dt>([^<]+)</dt>\s*<dd>([^<]+)</dd>", content)
    assert days == [
        ("Segunda-feira", "09:00–12:00, 13:00–18:00"),
        ("Terça-feira", "Fechado"),
        ("Quarta-feira", "10:00–19:00"),
        ("Quinta-feira", "Fechado"),
        ("Sexta-feira", "Fechado"),
        ("Sábado", "09:00–13:00"),
        ("Domingo", "Fechado"),
    ]


def test_the_team_is_the_active_professionals_with_hours(client, dressed_business, pro):
    content = client.get(f"/b/{dressed_business.slug}/").content.decode()
    team = re.search(r'<ul class="team-names">(.*?)</ul>', content, re.S).group(1)
    assert re.findall(r"<li>([^<]+)</li>", team) == sorted(["Bia Rocha", pro.name], key=str.casefold)


def test_a_business_without_logo_address_or_description_shows_none_of_them(client, business):
    business.address = ""
    business.save(update_fields=["address"])
    content = client.get(f"/b/{business.slug}/").content.decode()
    assert "/logo/" not in content and "google.com/maps" not in content
    assert 'class="business-description"' not in content


def test_the_page_with_its_assets_stays_under_100_kb(client, dressed_business):
    business_logo_set(business=dressed_business, data=photo_png())
    response = client.get(f"/b/{dressed_business.slug}/")
    total = len(response.content)
    assets = re.findall(r'(?:href|src)="(/(?:static|b)/[^"]+)"', response.content.decode())
    for url in assets:
        if url.startswith("/static/"):
            path = finders.find(url.removeprefix("/static/"))
            assert path, url
            total += len(open(path, "rb").read())
        elif "/logo/" in url:
            total += len(client.get(url).content)
    assert any("/logo/" in url for url in assets) and any(url.endswith(".css") for url in assets)
    assert total < PAGE_BUDGET_BYTES, total


def test_the_page_runs_the_same_queries_with_a_bigger_team(client, dressed_business, django_assert_num_queries):
    business_logo_set(business=dressed_business, data=photo_png())
    with django_assert_num_queries(PAGE_QUERIES):
        client.get(f"/b/{dressed_business.slug}/")
    for n in range(6):
        set_hours(ProfessionalFactory(business=dressed_business, name=f"Pro {n}"), n, ("08:00", "17:00"))
        ServiceFactory(business=dressed_business)
    with django_assert_num_queries(PAGE_QUERIES):
        client.get(f"/b/{dressed_business.slug}/")
