"""The auth API: register, login, refresh, logout, verification and the failed-login lockout."""

import re
import threading
from datetime import timedelta

import jwt
import pytest
from django.core import mail
from django.db import connection
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import LoginAttempt, User
from tests.factories import BusinessFactory

REGISTER = "/api/auth/register"
LOGIN = "/api/auth/login"
REFRESH = "/api/auth/refresh"
LOGOUT = "/api/auth/logout"
PROFILE = "/api/users/profile"

pytestmark = pytest.mark.django_db


def register(client, **overrides):
    body = {
        "email": "Maria@Salao.com.br",
        "password": "Cabelo2026!",
        "template_type": "service_table",
        "whatsapp_number": "(11) 98888-7777",
        "business_name": "Salão da Maria",
    }
    body.update(overrides)
    return client.post(REGISTER, {k: v for k, v in body.items() if v is not None}, format="json")


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


# --- register -------------------------------------------------------------------------
def test_register_returns_user_and_working_tokens(api_client):
    response = register(api_client)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["user"]["email"] == "maria@salao.com.br"
    assert body["user"]["whatsapp_number"] == "+5511988887777"
    assert body["user"]["business_slug"] == "salao-da-maria"
    assert body["user"]["booking_url"].endswith("/b/salao-da-maria/")
    assert body["user"]["plan_type"] == "free"
    assert body["user"]["is_verified"] is False
    assert body["user"]["timezone"] == "America/Sao_Paulo"
    profile = bearer(body["access_token"]).get(PROFILE)
    assert profile.status_code == 200
    assert profile.json()["id"] == body["user"]["id"]


def test_register_sends_a_verification_link_that_verifies(api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        register(api_client)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["maria@salao.com.br"]
    token = re.search(r"/accounts/verify-email/([^/\s]+)/", mail.outbox[0].body).group(1)
    response = api_client.post("/api/auth/verify-email", {"token": token}, format="json")
    assert response.status_code == 200
    assert response.json()["is_verified"] is True
    assert User.objects.get(email="maria@salao.com.br").is_verified


def test_verification_link_tampered_is_refused(api_client):
    response = api_client.post("/api/auth/verify-email", {"token": "abc:def"}, format="json")
    assert response.status_code == 400
    assert "token" in response.json()


def test_register_without_business_name_derives_slug_from_email(api_client):
    response = register(api_client, business_name=None, email="joao.barbeiro@exemplo.com")
    assert response.status_code == 201
    assert response.json()["user"]["business_slug"] == "joaobarbeiro"


def test_register_two_businesses_with_one_name_get_distinct_slugs(api_client):
    first = register(api_client, email="a@exemplo.com")
    second = register(api_client, email="b@exemplo.com")
    assert first.json()["user"]["business_slug"] == "salao-da-maria"
    assert second.json()["user"]["business_slug"] == "salao-da-maria-2"


@pytest.mark.parametrize(
    "password",
    ["curta1", "somenteletras", "1234567890", "password1"],
    ids=["too-short", "no-digit", "only-digits", "common"],
)
def test_register_refuses_weak_password(api_client, password):
    response = register(api_client, password=password)
    assert response.status_code == 400
    assert "password" in response.json()
    assert not User.objects.exists()


def test_register_refuses_duplicate_email_whatever_its_case(api_client):
    assert register(api_client, email="maria@salao.com.br").status_code == 201
    response = register(api_client, email="  MARIA@SALAO.COM.BR ")
    assert response.status_code == 400
    assert "email" in response.json()
    assert User.objects.count() == 1


def test_register_refuses_bad_email(api_client):
    response = register(api_client, email="maria-at-salao")
    assert response.status_code == 400
    assert "email" in response.json()


def test_register_lists_every_missing_field(api_client):
    response = api_client.post(REGISTER, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"email", "password", "template_type"}


def test_register_refuses_unknown_template_and_bad_phone(api_client):
    response = register(api_client, template_type="salon", whatsapp_number="12")
    assert response.status_code == 400
    assert "template_type" in response.json()
    response = register(api_client, whatsapp_number="12")
    assert response.status_code == 400
    assert "whatsapp_number" in response.json()


def test_register_malformed_json_is_a_400(api_client):
    response = api_client.post(REGISTER, data="{not json", content_type="application/json")
    assert response.status_code == 400


def test_errors_are_in_portuguese_by_default_and_english_on_request(api_client):
    pt = api_client.post(REGISTER, {}, format="json")
    en = api_client.post(REGISTER, {}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert pt.json()["email"] == ["Este campo é obrigatório."]
    assert en.json()["email"] == ["This field is required."]


# --- login ----------------------------------------------------------------------------
def test_login_with_any_email_case_returns_tokens(api_client, business, owner_password):
    response = api_client.post(LOGIN, {"email": business.email.upper(), "password": owner_password}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["expires_in"] == 30 * 60
    assert body["token_type"] == "bearer"
    assert body["user"]["id"] == str(business.owner_login.pk)
    assert bearer(body["access_token"]).get(PROFILE).status_code == 200


def test_login_wrong_password_is_401(api_client, business):
    response = api_client.post(LOGIN, {"email": business.email, "password": "errada-123"}, format="json")
    assert response.status_code == 401
    assert "detail" in response.json()
    assert "access_token" not in response.json()


def test_login_unknown_email_is_401(api_client):
    response = api_client.post(LOGIN, {"email": "ninguem@exemplo.com", "password": "x1y2z3w4"}, format="json")
    assert response.status_code == 401


def test_login_inactive_account_is_401(api_client, business, owner_password):
    business.owner_login.is_active = False
    business.owner_login.save(update_fields=["is_active"])
    response = api_client.post(LOGIN, {"email": business.email, "password": owner_password}, format="json")
    assert response.status_code == 401


def test_login_missing_fields_is_400(api_client):
    response = api_client.post(LOGIN, {"email": "a@b.com"}, format="json")
    assert response.status_code == 400
    assert "password" in response.json()


def test_paths_answer_with_and_without_trailing_slash(api_client, business, owner_password):
    for path in (LOGIN, LOGIN + "/"):
        response = api_client.post(path, {"email": business.email, "password": owner_password}, format="json")
        assert response.status_code == 200, path


# --- the registration throttle and the client's address ---------------------------------------------
@pytest.fixture
def two_registrations_an_hour(monkeypatch):
    # DRF reads the rates once, at import: patch them where the throttles look them up.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"register": "2/hour"})


def register_from(client, n: int, forwarded_for: str):
    body = {"email": f"dona{n}@exemplo.com", "password": "Cabelo2026!", "template_type": "service_table"}
    return client.post(REGISTER, body, format="json", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for)


def test_without_a_trusted_proxy_spoofed_forwarded_for_does_not_lift_the_registration_throttle(
    api_client, settings, two_registrations_an_hour
):
    settings.TRUSTED_PROXY_COUNT = 0
    statuses = [register_from(api_client, n, f"198.51.100.{n}").status_code for n in range(4)]

    assert statuses == [201, 201, 429, 429]


def test_behind_one_proxy_each_client_has_its_own_registration_budget(api_client, settings, two_registrations_an_hour):
    settings.TRUSTED_PROXY_COUNT = 1
    first = [register_from(api_client, n, "203.0.113.1").status_code for n in range(3)]
    second = register_from(api_client, 3, "203.0.113.2")

    assert first == [201, 201, 429]
    assert second.status_code == 201


def test_behind_one_proxy_a_spoofed_leftmost_forwarded_for_entry_is_ignored(
    api_client, settings, two_registrations_an_hour
):
    settings.TRUSTED_PROXY_COUNT = 1
    statuses = [register_from(api_client, n, f"198.51.100.{n}, 203.0.113.1").status_code for n in range(3)]

    assert statuses == [201, 201, 429]


# --- failed-login lockout ----------------------------------------------------------------
def test_eleventh_consecutive_failure_is_throttled_with_retry_after(api_client, business, owner_password):
    for _ in range(10):
        response = api_client.post(LOGIN, {"email": business.email, "password": "errada-123"}, format="json")
        assert response.status_code == 401

    response = api_client.post(LOGIN, {"email": business.email, "password": "errada-123"}, format="json")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    # Even the right password waits: the lockout protects the account, not the guess.
    response = api_client.post(LOGIN, {"email": business.email, "password": owner_password}, format="json")
    assert response.status_code == 429


def test_lockout_ends_when_failures_leave_the_window(api_client, business, owner_password):
    for _ in range(10):
        api_client.post(LOGIN, {"email": business.email, "password": "errada-123"}, format="json")
    LoginAttempt.objects.update(created_at=LoginAttempt.objects.first().created_at - timedelta(minutes=16))

    response = api_client.post(LOGIN, {"email": business.email, "password": owner_password}, format="json")
    assert response.status_code == 200


def test_a_successful_login_resets_the_consecutive_failures(api_client, business, owner_password):
    for _ in range(9):
        api_client.post(LOGIN, {"email": business.email, "password": "errada-123"}, format="json")
    assert (
        api_client.post(LOGIN, {"email": business.email, "password": owner_password}, format="json").status_code == 200
    )
    for _ in range(10):
        response = api_client.post(LOGIN, {"email": business.email, "password": "errada-123"}, format="json")
        assert response.status_code == 401


def test_failures_from_one_ip_across_emails_are_throttled(api_client, settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 3
    for n in range(3):
        response = api_client.post(LOGIN, {"email": f"x{n}@exemplo.com", "password": "errada-123"}, format="json")
        assert response.status_code == 401
    response = api_client.post(LOGIN, {"email": "outro@exemplo.com", "password": "errada-123"}, format="json")
    assert response.status_code == 429
    other_ip = api_client.post(
        LOGIN, {"email": "outro@exemplo.com", "password": "errada-123"}, format="json", REMOTE_ADDR="10.0.0.9"
    )
    assert other_ip.status_code == 401


def test_behind_one_proxy_login_failures_are_counted_per_client_not_per_proxy(api_client, settings):
    settings.LOGIN_MAX_FAILURES_PER_IP = 2
    settings.TRUSTED_PROXY_COUNT = 1

    def fail(n: int, forwarded_for: str) -> int:
        body = {"email": f"x{n}@exemplo.com", "password": "errada-123"}
        return api_client.post(
            LOGIN, body, format="json", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded_for
        ).status_code

    assert [fail(n, f"198.51.100.{n}, 203.0.113.1") for n in range(3)] == [401, 401, 429]
    assert fail(3, "203.0.113.2") == 401


# --- refresh ----------------------------------------------------------------------------
def login(client, business, password):
    return client.post(LOGIN, {"email": business.email, "password": password}, format="json").json()


def test_refresh_gives_a_new_pair_and_the_old_refresh_token_dies(api_client, business, owner_password):
    tokens = login(api_client, business, owner_password)

    response = api_client.post(REFRESH, {"refresh_token": tokens["refresh_token"]}, format="json")
    assert response.status_code == 200
    fresh = response.json()
    assert fresh["refresh_token"] != tokens["refresh_token"]
    assert bearer(fresh["access_token"]).get(PROFILE).status_code == 200

    reused = api_client.post(REFRESH, {"refresh_token": tokens["refresh_token"]}, format="json")
    assert reused.status_code == 401
    again = api_client.post(REFRESH, {"refresh_token": fresh["refresh_token"]}, format="json")
    assert again.status_code == 200


def test_refresh_refuses_garbage_and_access_tokens(api_client, business, owner_password):
    tokens = login(api_client, business, owner_password)
    assert api_client.post(REFRESH, {"refresh_token": "abc"}, format="json").status_code == 401
    assert api_client.post(REFRESH, {"refresh_token": tokens["access_token"]}, format="json").status_code == 401
    assert api_client.post(REFRESH, {}, format="json").status_code == 400


def test_refresh_ignores_a_stale_authorization_header(api_client, business, owner_password):
    tokens = login(api_client, business, owner_password)
    client = bearer("expired.garbage.token")
    assert client.post(REFRESH, {"refresh_token": tokens["refresh_token"]}, format="json").status_code == 200


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_refresh_token_sent_many_times_at_once_refreshes_once(business, owner_password):
    tokens = login(APIClient(), business, owner_password)
    statuses: list[int] = []
    barrier = threading.Barrier(12)

    def attempt():
        client = APIClient()
        barrier.wait()
        try:
            statuses.append(client.post(REFRESH, {"refresh_token": tokens["refresh_token"]}, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200] + [401] * 11


# --- logout and token expiry -------------------------------------------------------------
def test_logout_ends_both_the_refresh_and_the_access_token(api_client, business, owner_password):
    tokens = login(api_client, business, owner_password)
    other_session = login(api_client, business, owner_password)
    client = bearer(tokens["access_token"])

    response = client.post(LOGOUT, {"refresh_token": tokens["refresh_token"]}, format="json")
    assert response.status_code == 200

    assert client.get(PROFILE).status_code == 401
    assert api_client.post(REFRESH, {"refresh_token": tokens["refresh_token"]}, format="json").status_code == 401
    # Another device's session is untouched.
    assert bearer(other_session["access_token"]).get(PROFILE).status_code == 200


def test_logout_needs_a_token_of_the_same_user(api_client, business, owner_password):
    other = BusinessFactory()
    mine = login(api_client, business, owner_password)
    theirs = login(api_client, other, owner_password)
    client = bearer(mine["access_token"])

    response = client.post(LOGOUT, {"refresh_token": theirs["refresh_token"]}, format="json")
    assert response.status_code == 400
    assert client.get(PROFILE).status_code == 200
    assert api_client.post(REFRESH, {"refresh_token": theirs["refresh_token"]}, format="json").status_code == 200


def test_logout_without_authentication_is_401(api_client, business, owner_password):
    tokens = login(api_client, business, owner_password)
    assert api_client.post(LOGOUT, {"refresh_token": tokens["refresh_token"]}, format="json").status_code == 401


def test_expired_access_token_is_401(business):
    token = AccessToken.for_user(business)
    token.set_exp(lifetime=-timedelta(seconds=1))
    response = bearer(str(token)).get(PROFILE)
    assert response.status_code == 401


def test_access_token_of_deactivated_user_is_401(business):
    token = str(AccessToken.for_user(business))
    business.owner_login.is_active = False
    business.owner_login.save(update_fields=["is_active"])
    assert bearer(token).get(PROFILE).status_code == 401


def test_token_signed_with_another_key_is_401(business):
    forged = jwt.encode(
        {"user_id": str(business.owner_login.pk), "token_type": "access", "exp": 9999999999, "jti": "x"},
        "a-different-signing-key-of-enough-length",
    )
    assert bearer(forged).get(PROFILE).status_code == 401


def test_resending_the_verification_link_is_capped(api_client, django_capture_on_commit_callbacks):
    body = register(api_client).json()
    client = bearer(body["access_token"])
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            assert client.post("/api/auth/resend-verification").status_code == 200
    response = client.post("/api/auth/resend-verification")
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    assert len(mail.outbox) == 3
