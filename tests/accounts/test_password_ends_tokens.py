"""A password change ends every API token issued before it, on its very next use: the profile page's
change, a reset by email link, staff setting or disabling it in the admin. Tokens issued after work."""

import re

import pytest
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.core.management import call_command
from django.test import Client, TestCase
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.models import Role, User
from accounts.services import tokens_issue
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/login"
REFRESH = "/api/auth/refresh"
PROFILE = "/api/users/profile"
NEW_PASSWORD = "Nova-senha-2026"


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def api_login(email: str, password: str) -> dict:
    response = APIClient().post(LOGIN, {"email": email, "password": password}, format="json")
    assert response.status_code == 200
    return response.json()


def assert_ended(tokens: dict) -> None:
    used = bearer(tokens["access_token"]).get(PROFILE)
    assert used.status_code == 401 and used.json()["code"] == "password_changed"
    refreshed = APIClient().post(REFRESH, {"refresh_token": tokens["refresh_token"]}, format="json")
    assert refreshed.status_code == 401 and refreshed.json()["code"] == "password_changed"


def assert_working(tokens: dict) -> None:
    assert bearer(tokens["access_token"]).get(PROFILE).status_code == 200
    refreshed = APIClient().post(REFRESH, {"refresh_token": tokens["refresh_token"]}, format="json")
    assert refreshed.status_code == 200
    assert bearer(refreshed.json()["access_token"]).get(PROFILE).status_code == 200


def change_on_the_profile_page(owner: User) -> None:
    browser = Client()
    browser.force_login(owner)
    response = browser.post(
        "/dashboard/settings/profile/",
        {
            "form": "password",
            "old_password": DEFAULT_PASSWORD,
            "new_password1": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    assert browser.get("/dashboard/").status_code == 200  # the session that changed it goes on


def reset_by_email_link(owner: User) -> None:
    browser = Client()
    with TestCase.captureOnCommitCallbacks(execute=True):  # the email leaves once the request commits
        browser.post("/accounts/password-reset/", {"email": owner.email})
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+/)", mail.outbox[-1].body).group(1)
    set_password_url = browser.get(link, follow=True).redirect_chain[-1][0]
    response = browser.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302


def set_by_staff_in_the_admin(owner: User) -> None:
    staff = Client()
    staff.force_login(User.objects.create_superuser("staff@agendazap.local", "Staff-2026-senha"))
    response = staff.post(
        f"/admin/accounts/user/{owner.pk}/password/",
        {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302


def set_with_changepassword(owner: User) -> None:
    # `manage.py changepassword` asks twice through getpass.
    answers = iter([NEW_PASSWORD, NEW_PASSWORD])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("getpass.getpass", lambda *args, **kwargs: next(answers))
        call_command("changepassword", owner.email, stdout=None)


@pytest.mark.parametrize(
    "change",
    [change_on_the_profile_page, reset_by_email_link, set_by_staff_in_the_admin, set_with_changepassword],
    ids=["profile page", "reset link", "admin", "changepassword"],
)
def test_tokens_issued_before_a_password_change_are_refused_and_those_after_work(business, change):
    owner = business.owner_login
    before = api_login(owner.email, DEFAULT_PASSWORD)
    assert_working(api_login(owner.email, DEFAULT_PASSWORD))

    change(User.objects.get(pk=owner.pk))

    assert_ended(before)
    assert_working(api_login(owner.email, NEW_PASSWORD))


def test_staff_disabling_the_password_in_the_admin_ends_the_tokens(business):
    owner = business.owner_login
    before = api_login(owner.email, DEFAULT_PASSWORD)
    staff = Client()
    staff.force_login(User.objects.create_superuser("staff@agendazap.local", "Staff-2026-senha"))

    response = staff.post(
        f"/admin/accounts/user/{owner.pk}/password/", {"usable_password": "false", "unset-password": "1"}
    )

    assert response.status_code == 302
    assert not User.objects.get(pk=owner.pk).has_usable_password()
    assert_ended(before)


def test_a_token_of_every_business_of_the_login_ends(business):
    owner = business.owner_login
    other = business.__class__.objects.create(name="Filial", slug="filial")
    membership = owner.memberships.create(business=other, role=Role.MANAGER)
    elsewhere = tokens_issue(user=owner, membership=membership)

    change_on_the_profile_page(User.objects.get(pk=owner.pk))

    assert_ended(elsewhere)


def test_a_staff_login_of_no_business_has_its_tokens_ended_too():
    staff = User.objects.create_superuser("staff@agendazap.local", "Staff-2026-senha")
    before = tokens_issue(user=staff)
    staff.set_password(NEW_PASSWORD)
    staff.save()
    assert_ended(before)


def test_a_refused_token_costs_the_one_authentication_query(business, django_assert_num_queries):
    owner = business.owner_login
    client = bearer(api_login(owner.email, DEFAULT_PASSWORD)["access_token"])
    change_on_the_profile_page(User.objects.get(pk=owner.pk))

    with django_assert_num_queries(1):
        response = client.get(PROFILE)

    assert response.status_code == 401 and response.json()["code"] == "password_changed"


def test_a_password_rehashed_at_login_is_no_change(business, settings):
    # A stronger hasher (a Django upgrade) rewrites the hash at the next login: no token ends.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    owner = business.owner_login
    User.objects.filter(pk=owner.pk).update(password=make_password(DEFAULT_PASSWORD, hasher="md5"))
    before = tokens_issue(user=User.objects.get(pk=owner.pk))

    api_login(owner.email, DEFAULT_PASSWORD)

    assert User.objects.get(pk=owner.pk).password.startswith("pbkdf2_sha256$")
    assert_working(before)


def test_other_changes_to_the_login_end_no_token(business):
    owner = business.owner_login
    before = api_login(owner.email, DEFAULT_PASSWORD)
    owner = User.objects.get(pk=owner.pk)
    owner.is_verified = True
    owner.save()
    assert_working(before)


def test_a_token_issued_before_tokens_carried_the_version_ends_at_the_first_change(business):
    owner = business.owner_login
    older = str(AccessToken.for_user(owner))  # no `password_version` claim, as before this release
    assert bearer(older).get(PROFILE).status_code == 200

    change_on_the_profile_page(User.objects.get(pk=owner.pk))

    response = bearer(older).get(PROFILE)
    assert response.status_code == 401 and response.json()["code"] == "password_changed"


def test_a_change_through_a_copy_read_before_another_change_still_ends_the_tokens_between(business):
    owner = business.owner_login
    first, stale = User.objects.get(pk=owner.pk), User.objects.get(pk=owner.pk)
    first.set_password(NEW_PASSWORD)
    first.save()
    between = api_login(owner.email, NEW_PASSWORD)

    stale.set_password("Outra-senha-2027")
    stale.save(update_fields=["password"])

    assert_ended(between)
