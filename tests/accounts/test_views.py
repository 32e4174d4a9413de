"""The HTML account pages: sign-up, log-in, log-out, password reset, email verification."""

import re

import pytest
from django.core import mail
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import User

pytestmark = pytest.mark.django_db

SIGNUP_FORM = {
    "business_name": "Clínica Sorriso",
    "email": "Contato@Sorriso.com.br",
    "password": "Dente-2026-ok",
    "template_type": "consultation",
    "whatsapp_number": "(21) 97777-1234",
}


def test_pages_render_in_portuguese(client):
    for url in ("/", "/accounts/signup/", "/accounts/login/", "/accounts/password-reset/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert 'lang="pt-br"' in response.content.decode()


def test_signup_creates_the_business_and_opens_the_dashboard(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/signup/", SIGNUP_FORM, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/dashboard/"
    assert "Clínica Sorriso" in response.content.decode()
    user = User.objects.get()
    business = user.memberships.get(role="owner").business
    assert (user.email, business.template_type, business.whatsapp_number) == (
        "contato@sorriso.com.br",
        "consultation",
        "+5521977771234",
    )
    assert user.last_business == business
    assert mail.outbox[0].to == ["contato@sorriso.com.br"]


def test_signup_with_bad_input_shows_errors_and_creates_nothing(client):
    response = client.post("/accounts/signup/", {**SIGNUP_FORM, "password": "123", "whatsapp_number": "1"})
    assert response.status_code == 400
    content = response.content.decode()
    assert "Esta senha é muito curta" in content
    assert not User.objects.exists()


def test_signup_page_shares_the_api_registration_throttle(client, settings, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"register": "2/hour"})
    settings.TRUSTED_PROXY_COUNT = 0
    api = client.post(
        "/api/auth/register",
        {"email": "api@exemplo.com", "password": "Cabelo2026!", "template_type": "service_table"},
        content_type="application/json",
    )
    assert api.status_code == 201
    client.logout()
    assert client.post("/accounts/signup/", SIGNUP_FORM).status_code == 302
    client.logout()

    response = client.post(
        "/accounts/signup/", {**SIGNUP_FORM, "email": "outra@exemplo.com"}, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.context["form"].non_field_errors()
    assert User.objects.count() == 2


def test_dashboard_needs_login(client):
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_login_logout_round_trip(client, business, owner_password):
    response = client.post("/accounts/login/", {"email": business.email.upper(), "password": owner_password})
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 200

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 302


def test_login_honours_a_safe_next_and_ignores_an_external_one(client, business, owner_password):
    form = {"email": business.email, "password": owner_password}
    assert client.post("/accounts/login/?next=/dashboard/", form)["Location"] == "/dashboard/"
    client.logout()
    assert client.post("/accounts/login/?next=https://evil.example/", form)["Location"] == "/dashboard/"


def test_wrong_password_shows_an_error(client, business):
    response = client.post("/accounts/login/", {"email": business.email, "password": "errada-123"})
    assert response.status_code == 400
    assert "incorretos" in response.content.decode()


def test_login_page_is_throttled_like_the_api(client, business):
    for _ in range(10):
        client.post("/accounts/login/", {"email": business.email, "password": "errada-123"})
    response = client.post("/accounts/login/", {"email": business.email, "password": "errada-123"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_password_reset_by_email_link(client, business, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/password-reset/", {"email": business.email.upper()})
    assert response.status_code == 302
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[0].body).group(1)

    form_page = client.get(link, follow=True)
    assert form_page.status_code == 200
    set_password_url = form_page.redirect_chain[-1][0]
    response = client.post(set_password_url, {"new_password1": "Nova-senha-2026", "new_password2": "Nova-senha-2026"})
    assert response.status_code == 302
    assert User.objects.get(pk=business.owner_login.pk).check_password("Nova-senha-2026")


def test_verification_link_marks_the_email_verified(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/signup/", SIGNUP_FORM)
    link = re.search(r"https?://[^/]+(/accounts/verify-email/\S+/)", mail.outbox[0].body).group(1)

    response = client.get(link)
    assert response.status_code == 302
    assert User.objects.get().is_verified


def test_broken_verification_link_is_a_clear_400(client):
    response = client.get("/accounts/verify-email/not-a-token/")
    assert response.status_code == 400


def test_admin_lists_users_for_staff(client, business):
    staff = User.objects.create_superuser("staff@agendazap.local", "Staff-2026-senha")
    client.force_login(staff)
    response = client.get("/admin/accounts/user/?q=" + business.email)
    assert response.status_code == 200
    assert business.email in response.content.decode()


def test_reset_link_uses_the_public_address_and_ends_api_sessions(
    client, api_client, business, owner_password, settings, django_capture_on_commit_callbacks
):
    settings.PUBLIC_BASE_URL = "https://agenda.exemplo.com.br"
    tokens = api_client.post("/api/auth/login", {"email": business.email, "password": owner_password}, format="json")
    refresh_token = tokens.json()["refresh_token"]

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password-reset/", {"email": business.email})
    link = re.search(r"(https://agenda\.exemplo\.com\.br)(/accounts/reset/\S+/)", mail.outbox[0].body).group(2)
    set_password_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_password_url, {"new_password1": "Nova-senha-2026", "new_password2": "Nova-senha-2026"})

    response = api_client.post("/api/auth/refresh", {"refresh_token": refresh_token}, format="json")
    assert response.status_code == 401


def test_reset_emails_are_capped_per_address(client, business, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert client.post("/accounts/password-reset/", {"email": business.email}).status_code == 302
        response = client.post("/accounts/password-reset/", {"email": business.email})
    assert response.status_code == 429
    assert len(mail.outbox) == 3


def test_plain_text_emails_are_not_html_escaped(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/signup/", {**SIGNUP_FORM, "business_name": "Barbearia Zé & Filhos"})
    assert "Zé & Filhos" in mail.outbox[0].body
    assert "&amp;" not in mail.outbox[0].body


def test_account_emails_are_logged_in_the_outbox(client, business, django_capture_on_commit_callbacks):
    from notifications.models import Message

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/accounts/password-reset/", {"email": business.email})
    message = Message.objects.get(business=business, kind="account")
    assert (message.channel, message.queue, message.status) == ("email", "email_notifications", "sent")
    assert "/accounts/reset/" in message.body


def test_a_staff_login_of_no_business_is_sent_to_the_admin_not_a_broken_dashboard(client):
    staff = User.objects.create_superuser("equipe@agendazap.local", "Staff-2026-senha")
    client.force_login(staff)
    response = client.get("/dashboard/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
