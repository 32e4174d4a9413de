"""The business profile page (/dashboard/settings/profile/): profile fields, logo, hours shown, password change."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from accounts.images import LOGO_MAX_BYTES
from accounts.models import Business, BusinessLogo, Role
from accounts.services import business_logo_set
from scheduling.models import WorkingHours
from tests.accounts.conftest import add_member
from tests.factories import DEFAULT_PASSWORD, BusinessFactory, ProfessionalFactory
from tests.helpers import set_hours

pytestmark = pytest.mark.django_db

URL = "/dashboard/settings/profile/"
NEW_PASSWORD = "tesoura-afiada-2027"
# Session, login, membership, the plan banner's alerts, the layout's business switcher; the logo's
# version and the opening hours.
PAGE_QUERIES = 7


def image_bytes(fmt: str = "PNG", size=(300, 200), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (0, 112, 74) if mode == "RGB" else (0, 112, 74, 128)).save(out, format=fmt)
    return out.getvalue()


def upload(data: bytes, name: str = "logo.png", content_type: str = "image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: PLC0415 - only the logo tests build files

    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def owner_client(business) -> Client:
    client = Client()
    client.force_login(business.owner_login)
    return client


def profile_post(client, **changes):
    data = {
        "form": "profile",
        "business_name": "Salão da Rua",
        "business_slug": "salao-da-rua",
        "description": "Cortes e escovas desde 1998.",
        "address": "Rua Augusta, 1000 - São Paulo, SP",
        "whatsapp_number": "(11) 98888-1234",
        **changes,
    }
    return client.post(URL, data)


# --- The page ------------------------------------------------------------------------------------
def test_the_page_shows_the_business_and_is_linked_from_the_settings(owner_client, business):
    business.description = "Cortes desde 1998."
    business.save(update_fields=["description"])
    page = owner_client.get(URL)
    assert page.status_code == 200
    content = page.content.decode()
    assert f'value="{business.slug}"' in content and "Cortes desde 1998." in content
    assert "(11) 98888-" in content  # the WhatsApp number as people write it, not E.164
    assert 'name="old_password"' in content and 'name="logo"' in content
    assert URL in owner_client.get("/dashboard/settings/agenda/").content.decode()
    assert URL in owner_client.get("/dashboard/").content.decode()


@pytest.mark.parametrize("role", [Role.RECEPTIONIST, Role.PROFESSIONAL])
def test_roles_without_settings_get_403(business, role):
    client = Client()
    client.force_login(add_member(business, role, professional=business.professionals.first()))
    assert client.get(URL).status_code == 403
    assert profile_post(client).status_code == 403
    assert Business.objects.get(pk=business.pk).slug == business.slug


def test_manager_may_edit_the_profile(business):
    client = Client()
    client.force_login(add_member(business, Role.MANAGER))
    assert profile_post(client).status_code == 302


def test_opening_hours_are_the_union_of_active_professionals_hours(owner_client, business, pro):
    other = ProfessionalFactory(business=business, name="Bia")
    gone = ProfessionalFactory(business=business, name="Caio", is_active=False)
    WorkingHours.objects.filter(professional__business=business).delete()
    set_hours(pro, 0, ("09:00", "12:00"), ("13:00", "18:00"))
    set_hours(other, 0, ("11:00", "14:00"))  # covers pro's lunch: one stretch 09-18
    set_hours(other, 5, ("08:00", "12:00"))
    set_hours(gone, 6, ("10:00", "16:00"))  # inactive: Sunday stays closed
    content = owner_client.get(URL).content.decode()
    assert "Segunda-feira" in content and "09:00–18:00" in content
    assert "Sábado" in content and "08:00–12:00" in content
    assert "10:00–16:00" not in content
    assert content.count("Fechado") == 5
    assert reverse("dashboard:settings-agenda") in content


def test_the_page_runs_the_same_queries_with_a_bigger_team(owner_client, business, django_assert_num_queries):
    business_logo_set(business=business, data=image_bytes())
    with django_assert_num_queries(PAGE_QUERIES):
        owner_client.get(URL)
    for n in range(5):
        set_hours(ProfessionalFactory(business=business, name=f"Pro {n}"), n, ("08:00", "17:00"))
    with django_assert_num_queries(PAGE_QUERIES):
        owner_client.get(URL)


# --- Profile fields ------------------------------------------------------------------------------
def test_saving_the_profile_changes_the_business_and_warns_the_old_link_stops(owner_client, business):
    response = profile_post(owner_client)
    assert response.status_code == 302
    business.refresh_from_db()
    assert (business.name, business.slug, business.whatsapp_number) == (
        "Salão da Rua",
        "salao-da-rua",
        "+5511988881234",
    )
    assert business.description == "Cortes e escovas desde 1998."
    assert business.address == "Rua Augusta, 1000 - São Paulo, SP"
    page = owner_client.get(URL).content.decode()
    assert "/b/salao-da-rua/" in page and "não funciona mais" in page


def test_saving_without_a_new_slug_does_not_warn(owner_client, business):
    response = profile_post(owner_client, business_slug=business.slug)
    assert response.status_code == 302
    assert "não funciona mais" not in owner_client.get(URL).content.decode()


@pytest.mark.parametrize(
    ("slug", "message"),
    [
        ("Salão Novo!", "letras minúsculas"),
        ("dashboard", "reservado"),
        ("a" * 61, "61"),
    ],
)
def test_a_bad_slug_is_refused_beside_its_field_keeping_what_was_typed(owner_client, business, slug, message):
    response = profile_post(owner_client, business_slug=slug, business_name="Nome Digitado")
    assert response.status_code == 400
    content = response.content.decode()
    assert 'id="id_business_slug_error"' in content and message in content
    assert 'value="Nome Digitado"' in content
    assert Business.objects.get(pk=business.pk).name == business.name


def test_a_slug_taken_by_another_business_is_refused(owner_client, business):
    BusinessFactory(slug="ja-existe")
    response = profile_post(owner_client, business_slug="ja-existe")
    assert response.status_code == 400
    assert "já está em uso" in response.content.decode()
    assert Business.objects.get(pk=business.pk).slug == business.slug


@pytest.mark.parametrize(
    ("field", "value"), [("description", "x" * 301), ("whatsapp_number", "123"), ("business_name", "")]
)
def test_a_bad_field_is_refused_beside_it(owner_client, business, field, value):
    response = profile_post(owner_client, **{field: value})
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    business.refresh_from_db()
    assert (business.slug, business.description) != ("salao-da-rua", "Cortes e escovas desde 1998.")


def test_an_unknown_form_is_a_400(owner_client):
    assert owner_client.post(URL, {"form": "other"}).status_code == 400


# --- Logo ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fmt", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_a_logo_is_stored_small_in_the_database_and_served_with_long_caching(owner_client, business, fmt, content_type):
    data = image_bytes(fmt, size=(1200, 800))
    response = owner_client.post(URL, {"form": "logo", "logo": upload(data, f"logo.{fmt.lower()}", content_type)})
    assert response.status_code == 302
    logo = BusinessLogo.objects.get(business=business)
    stored = Image.open(io.BytesIO(bytes(logo.data)))
    assert (stored.format, max(stored.size)) == ("WEBP", 256)
    assert logo.content_type == "image/webp"

    url = f"/b/{business.slug}/logo/{logo.version}"
    assert url in owner_client.get(URL).content.decode()
    served = Client().get(url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/webp" and served.content == bytes(logo.data)
    assert "max-age=31536000" in served["Cache-Control"] and "immutable" in served["Cache-Control"]
    again = Client().get(url, HTTP_IF_NONE_MATCH=served["ETag"])
    assert again.status_code == 304


def test_a_new_logo_gets_a_new_url_and_the_old_one_is_gone(business):
    first = business_logo_set(business=business, data=image_bytes("PNG")).version
    second = business_logo_set(business=business, data=image_bytes("PNG", size=(100, 100))).version
    assert first != second
    assert Client().get(f"/b/{business.slug}/logo/{first}").status_code == 404
    assert Client().get(f"/b/{business.slug}/logo/{second}").status_code == 200


def test_transparency_is_kept(business):
    logo = business_logo_set(business=business, data=image_bytes("PNG", mode="RGBA"))
    assert Image.open(io.BytesIO(bytes(logo.data))).mode == "RGBA"


@pytest.mark.parametrize(
    ("data", "name", "content_type"),
    [
        (image_bytes("GIF"), "logo.gif", "image/gif"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "logo.svg", "image/svg+xml"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "logo.png", "image/png"),  # a PNG signature, then nothing real
        (image_bytes("PNG")[:60], "logo.png", "image/png"),  # cut short
        (b"%PDF-1.4 not an image", "logo.png", "image/png"),
    ],
    ids=["gif", "svg", "fake-png", "truncated-png", "pdf"],
)
def test_what_is_not_a_png_jpeg_or_webp_is_refused(owner_client, business, data, name, content_type):
    response = owner_client.post(URL, {"form": "logo", "logo": upload(data, name, content_type)})
    assert response.status_code == 400
    content = response.content.decode()
    assert 'id="id_logo_error"' in content and "PNG, JPEG ou WebP" in content
    assert not BusinessLogo.objects.filter(business=business).exists()


def test_an_oversize_logo_is_refused(owner_client, business):
    data = image_bytes("PNG") + b"\x00" * LOGO_MAX_BYTES  # a valid start, too many bytes
    response = owner_client.post(URL, {"form": "logo", "logo": upload(data)})
    assert response.status_code == 400
    assert "500 KB" in response.content.decode()
    assert not BusinessLogo.objects.filter(business=business).exists()


def test_huge_dimensions_are_refused_before_decoding(business):
    from django.core.exceptions import ValidationError  # noqa: PLC0415 - only this test expects it

    out = io.BytesIO()
    Image.new("1", (7000, 7000)).save(out, format="PNG")  # tiny file, 49 megapixels
    assert len(out.getvalue()) < LOGO_MAX_BYTES
    with pytest.raises(ValidationError):
        business_logo_set(business=business, data=out.getvalue())


def test_sending_no_file_is_refused(owner_client):
    response = owner_client.post(URL, {"form": "logo"})
    assert response.status_code == 400
    assert 'id="id_logo_error"' in response.content.decode()


def test_the_logo_can_be_removed(owner_client, business):
    version = business_logo_set(business=business, data=image_bytes()).version
    response = owner_client.post(URL, {"form": "logo-remove"})
    assert response.status_code == 302
    assert not BusinessLogo.objects.filter(business=business).exists()
    assert Client().get(f"/b/{business.slug}/logo/{version}").status_code == 404
    assert "/logo/" not in Client().get(f"/b/{business.slug}/").content.decode()


# --- Password ------------------------------------------------------------------------------------
def password_post(client, old=DEFAULT_PASSWORD, new1=NEW_PASSWORD, new2=NEW_PASSWORD):
    return client.post(URL, {"form": "password", "old_password": old, "new_password1": new1, "new_password2": new2})


def test_changing_the_password_keeps_this_session_and_ends_the_others(business, api_client):
    owner = business.owner_login
    here, elsewhere = Client(), Client()
    assert here.login(username=owner.email, password=DEFAULT_PASSWORD)
    assert elsewhere.login(username=owner.email, password=DEFAULT_PASSWORD)
    login = api_client.post("/api/auth/login", {"email": owner.email, "password": DEFAULT_PASSWORD}, format="json")
    refresh_token = login.json()["refresh_token"]

    response = password_post(here)
    assert response.status_code == 302
    assert here.get("/dashboard/").status_code == 200
    assert elsewhere.get("/dashboard/").status_code == 302  # sent to log in
    refreshed = api_client.post("/api/auth/refresh", {"refresh_token": refresh_token}, format="json")
    assert refreshed.status_code == 401
    owner.refresh_from_db()
    assert owner.check_password(NEW_PASSWORD)


def test_a_wrong_old_password_is_refused(owner_client, business):
    response = password_post(owner_client, old="errada-123")
    assert response.status_code == 400
    assert 'id="id_old_password_error"' in response.content.decode()
    business.owner_login.refresh_from_db()
    assert business.owner_login.check_password(DEFAULT_PASSWORD)


def test_mismatched_new_passwords_are_refused(owner_client, business):
    response = password_post(owner_client, new2="outra-senha-2027")
    assert response.status_code == 400
    assert 'id="id_new_password2_error"' in response.content.decode()
    business.owner_login.refresh_from_db()
    assert business.owner_login.check_password(DEFAULT_PASSWORD)


def test_a_weak_new_password_is_refused(owner_client):
    response = password_post(owner_client, new1="12345678", new2="12345678")
    assert response.status_code == 400
    assert 'id="id_new_password2_error"' in response.content.decode()


# --- API -----------------------------------------------------------------------------------------
def test_the_api_profile_shows_and_sets_the_description_and_the_logo_url(auth_client, business):
    body = auth_client.get("/api/users/profile").json()
    assert body["description"] == "" and body["logo_url"] is None
    logo = business_logo_set(business=business, data=image_bytes())
    response = auth_client.patch("/api/users/profile", {"description": "  Cortes   e escovas. "}, format="json")
    assert response.status_code == 200
    assert response.json()["description"] == "Cortes e escovas."
    assert response.json()["logo_url"] == f"http://testserver/b/{business.slug}/logo/{logo.version}"
    too_long = auth_client.patch("/api/users/profile", {"description": "x" * 301}, format="json")
    assert too_long.status_code == 400 and "description" in too_long.json()
