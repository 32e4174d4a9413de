"""The team: invitations by email (sent, accepted once, expired, resent, revoked), roles,
removal, ownership, and who may manage it. Through the API and the HTML pages."""

import re
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import team
from accounts.models import Invitation, Membership, Role, User
from accounts.services import tokens_issue
from notifications.models import Message
from tests.factories import DEFAULT_PASSWORD, BusinessFactory, ProfessionalFactory, UserFactory

MEMBERS = "/api/team/members"
ACCEPT = "/api/auth/accept-invitation"
NEW_PASSWORD = "Recepcao-2026-ok"
pytestmark = pytest.mark.django_db

LINK = re.compile(r"http://testserver(/accounts/invite/([^/\s]+)/)")


def accept(token, password=NEW_PASSWORD):
    return APIClient().post(ACCEPT, {"token": token, "password": password}, format="json")


def bearer(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_issue(user=user)['access_token']}")
    return client


def member(business, role, *, email=None, professional=None) -> Membership:
    user = UserFactory(**({"email": email} if email else {}), last_business=business)
    return Membership.objects.create(user=user, business=business, role=role, professional=professional)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`committed(fn, ...)`: call fn, then run what it left for its commit (the outbox sends its email)."""

    def run(fn, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kwargs)

    return run


@pytest.fixture
def invite(committed):
    """`invite(api, email=..., role=..., ...)`: POST an invitation; the response and the raw token it emailed."""

    def post(api, email="nova@exemplo.com", role="receptionist", **extra):
        sent_before = len(mail.outbox)
        response = committed(api.post, MEMBERS, {"email": email, "role": role, **extra}, format="json")
        token = None
        if response.status_code == 201 and len(mail.outbox) > sent_before:
            token = LINK.search(mail.outbox[-1].body).group(2)
        return response, token

    return post


# --- End to end ----------------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_the_invitation_email_arrives_through_smtp_and_its_link_makes_a_login(
    business, auth_client, client, smtp_server, smtp_settings
):
    response = auth_client.post(MEMBERS, {"email": "Nova@Exemplo.com", "role": "receptionist"}, format="json")
    assert response.status_code == 201
    assert response.json()["status"] == "invited"
    assert response.json()["email"] == "nova@exemplo.com"

    (received,) = smtp_server.wait_for(1)
    assert received.rcpt_tos == ["nova@exemplo.com"]
    assert business.name in received.subject
    path, token = LINK.search(received.text).groups()
    assert Invitation.objects.get().token_hash != token  # only the hash is kept

    page = client.get(path)
    assert page.status_code == 200
    assert page.context["mode"] == "new"
    assert business.name in page.content.decode()
    accepted = client.post(path, {"password": NEW_PASSWORD})
    assert accepted.status_code == 302 and accepted["Location"] == "/dashboard/"

    login = User.objects.get(email="nova@exemplo.com")
    assert login.check_password(NEW_PASSWORD) and login.is_verified
    assert login.last_business == business
    assert Membership.objects.get(user=login).role == Role.RECEPTIONIST
    assert client.get("/dashboard/").status_code == 200  # logged in, in the business


def test_accepting_through_the_api_answers_like_login(business, auth_client, invite):
    _response, token = invite(auth_client, role="manager")

    response = accept(token, NEW_PASSWORD)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"user", "businesses", "access_token", "refresh_token", "token_type", "expires_in"}
    assert (body["user"]["email"], body["user"]["business_slug"]) == ("nova@exemplo.com", business.slug)
    manager = APIClient()
    manager.credentials(HTTP_AUTHORIZATION=f"Bearer {body['access_token']}")
    assert manager.get(MEMBERS).status_code == 200  # a manager manages the team


def test_an_existing_login_joins_with_its_own_password(business, auth_client, invite):
    existing = BusinessFactory().owner_login  # owns another business
    _response, token = invite(auth_client, email=existing.email)

    wrong = accept(token, "not-the-password")
    assert wrong.status_code == 400 and "password" in wrong.json()
    right = accept(token, DEFAULT_PASSWORD)

    assert right.status_code == 200
    assert User.objects.filter(email=existing.email).count() == 1
    assert existing.memberships.count() == 2
    existing.refresh_from_db()
    assert existing.last_business == business


def test_a_new_login_needs_a_password_the_validators_accept(auth_client, invite):
    _response, token = invite(auth_client)

    response = accept(token, "123")

    assert response.status_code == 400 and "password" in response.json()
    assert not User.objects.filter(email="nova@exemplo.com").exists()
    assert Invitation.objects.get().accepted_at is None


def test_the_page_asks_an_existing_login_for_its_password(business, auth_client, client, invite):
    existing = UserFactory(email="ja-tenho@exemplo.com")
    _response, token = invite(auth_client, email=existing.email)
    path = f"/accounts/invite/{token}/"

    page = client.get(path)
    assert (page.status_code, page.context["mode"]) == (200, "login")
    assert client.post(path, {"password": "errada-123"}).status_code == 400
    assert client.post(path, {"password": DEFAULT_PASSWORD}).status_code == 302
    assert Membership.objects.filter(user=existing, business=business).exists()


def test_the_page_lets_the_logged_in_invitee_join_with_a_button(business, auth_client, client, invite):
    existing = UserFactory(email="ja-tenho@exemplo.com")
    _response, token = invite(auth_client, email=existing.email)
    client.force_login(existing)
    path = f"/accounts/invite/{token}/"

    page = client.get(path)
    assert (page.status_code, page.context["mode"]) == (200, "join")
    response = client.post(path)

    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert Membership.objects.filter(user=existing, business=business).exists()


def test_the_page_refuses_a_login_of_another_email(auth_client, client, invite):
    _response, token = invite(auth_client)
    client.force_login(UserFactory(email="outra@exemplo.com"))
    path = f"/accounts/invite/{token}/"

    assert client.get(path).context["mode"] == "other_login"
    assert client.post(path, {"password": NEW_PASSWORD}).status_code == 400
    assert not Membership.objects.filter(user__email__in=["outra@exemplo.com", "nova@exemplo.com"]).exists()


# --- Single use, expiry, resend, revoke ----------------------------------------------------------
def test_an_invitation_works_once(auth_client, client, invite):
    _response, token = invite(auth_client)
    first = accept(token, NEW_PASSWORD)
    second = accept(token, NEW_PASSWORD)

    assert (first.status_code, second.status_code) == (200, 400)
    assert "token" in second.json()
    assert Membership.objects.filter(user__email="nova@exemplo.com").count() == 1
    page = client.get(f"/accounts/invite/{token}/")
    assert (page.status_code, page.context["reason"]) == (400, "used")


def test_an_expired_invitation_is_refused(auth_client, client, invite):
    _response, token = invite(auth_client)
    week_ago = timezone.now() - timedelta(days=8)
    Invitation.objects.update(created_at=week_ago, expires_at=week_ago + team.INVITATION_MAX_AGE)

    response = accept(token, NEW_PASSWORD)

    assert response.status_code == 400 and "token" in response.json()
    assert not User.objects.filter(email="nova@exemplo.com").exists()
    page = client.get(f"/accounts/invite/{token}/")
    assert (page.status_code, page.context["reason"]) == (400, "expired")
    assert client.post(f"/accounts/invite/{token}/", {"password": NEW_PASSWORD}).status_code == 400


def test_an_unknown_link_is_refused(client):
    page = client.get("/accounts/invite/nao-existe/")
    assert (page.status_code, page.context["reason"]) == (400, "invalid")
    assert accept("nao-existe").status_code == 400


def test_resending_sends_a_fresh_link_and_the_old_one_stops_working(auth_client, invite, committed):
    response, old_token = invite(auth_client)
    invitation_id = response.json()["id"]
    week_ago = timezone.now() - timedelta(days=6)
    Invitation.objects.update(created_at=week_ago, expires_at=week_ago + team.INVITATION_MAX_AGE)

    resent = committed(auth_client.post, f"{MEMBERS}/{invitation_id}/resend")

    assert resent.status_code == 200
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["nova@exemplo.com"]
    new_token = LINK.search(mail.outbox[1].body).group(2)
    assert Invitation.objects.get().expires_at > timezone.now() + timedelta(days=6)
    assert accept(old_token, NEW_PASSWORD).status_code == 400
    assert accept(new_token, NEW_PASSWORD).status_code == 200


def test_inviting_a_pending_email_again_refreshes_its_invitation(auth_client, invite):
    first, old_token = invite(auth_client, role="receptionist")
    again, new_token = invite(auth_client, email="NOVA@exemplo.com", role="manager")

    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert Invitation.objects.get().role == Role.MANAGER
    assert accept(old_token, NEW_PASSWORD).status_code == 400
    assert accept(new_token, NEW_PASSWORD).status_code == 200


def test_revoking_an_invitation_kills_its_link(auth_client, client, invite):
    response, token = invite(auth_client)

    assert auth_client.delete(f"{MEMBERS}/{response.json()['id']}").status_code == 204

    assert accept(token, NEW_PASSWORD).status_code == 400
    page = client.get(f"/accounts/invite/{token}/")
    assert (page.status_code, page.context["reason"]) == (400, "revoked")
    assert [row["status"] for row in auth_client.get(MEMBERS).json()["members"]] == ["active"]


def test_the_email_goes_to_the_invitee_and_names_the_inviter(business, auth_client, invite):
    invite(auth_client)
    message = Message.objects.get(business=business, kind="account")
    assert message.recipient == "nova@exemplo.com"
    assert business.owner_login.email in message.body


def test_invitation_emails_to_one_address_are_capped(auth_client, invite, committed):
    response, _token = invite(auth_client)
    resend = f"{MEMBERS}/{response.json()['id']}/resend"
    statuses = [committed(auth_client.post, resend).status_code for _ in range(team.INVITATION_EMAILS_PER_HOUR)]

    assert statuses == [200] * (team.INVITATION_EMAILS_PER_HOUR - 1) + [429]
    assert len(mail.outbox) == team.INVITATION_EMAILS_PER_HOUR


# --- The list, roles, removal ---------------------------------------------------------------------
def test_the_team_lists_members_and_pending_invitations(business, auth_client, invite):
    professional = ProfessionalFactory(business=business, name="Bia")
    invite(auth_client, email="bia@exemplo.com", role="professional", professional_id=str(professional.pk))

    members = auth_client.get(MEMBERS).json()["members"]

    owner = business.memberships.get(role=Role.OWNER)
    assert [(row["email"], row["role"], row["status"]) for row in members] == [
        (business.owner_login.email, "owner", "active"),
        ("bia@exemplo.com", "professional", "invited"),
    ]
    assert members[0]["id"] == str(owner.pk)
    assert (members[1]["professional_id"], members[1]["name"]) == (str(professional.pk), "Bia")
    assert set(members[1]) == {"id", "email", "name", "role", "professional_id", "status", "expires_at"}
    for row in members:
        assert auth_client.get(f"{MEMBERS}/{row['id']}").json()["status"] == row["status"]


def test_a_professional_is_invited_with_an_agenda_of_the_business(business, auth_client, invite):
    foreign = ProfessionalFactory(business=BusinessFactory())
    owner_agenda = business.memberships.get(role=Role.OWNER).professional

    without, _token = invite(auth_client, role="professional")
    elsewhere, _token = invite(auth_client, role="professional", professional_id=str(foreign.pk))
    taken, _token = invite(auth_client, role="professional", professional_id=str(owner_agenda.pk))
    owner, _token = invite(auth_client, role="owner")

    assert [r.status_code for r in (without, elsewhere, taken, owner)] == [400] * 4
    assert all("professional_id" in r.json() for r in (without, elsewhere, taken))
    assert not Invitation.objects.exists()


def test_an_active_member_cannot_be_invited_again(business, auth_client, invite):
    response, _token = invite(auth_client, email=business.owner_login.email.upper())
    assert response.status_code == 400 and "email" in response.json()


def test_the_role_of_a_member_or_an_invitation_changes(business, auth_client, invite):
    receptionist = member(business, Role.RECEPTIONIST)
    professional = ProfessionalFactory(business=business)
    invitation, _token = invite(auth_client)

    promoted = auth_client.patch(f"{MEMBERS}/{receptionist.pk}", {"role": "manager"}, format="json")
    as_pro = auth_client.patch(
        f"{MEMBERS}/{invitation.json()['id']}",
        {"role": "professional", "professional_id": str(professional.pk)},
        format="json",
    )
    missing_agenda = auth_client.patch(f"{MEMBERS}/{receptionist.pk}", {"role": "professional"}, format="json")

    assert (promoted.status_code, promoted.json()["role"]) == (200, "manager")
    assert (as_pro.status_code, as_pro.json()["professional_id"]) == (200, str(professional.pk))
    assert missing_agenda.status_code == 400
    receptionist.refresh_from_db()
    assert receptionist.role == Role.MANAGER
    assert Invitation.objects.get().role == Role.PROFESSIONAL


def test_a_removed_member_leaves_the_team_but_keeps_the_login(business, auth_client):
    receptionist = member(business, Role.RECEPTIONIST)

    assert auth_client.delete(f"{MEMBERS}/{receptionist.pk}").status_code == 204

    assert not Membership.objects.filter(pk=receptionist.pk).exists()
    assert User.objects.filter(pk=receptionist.user_id).exists()


def test_the_owner_cannot_be_removed_or_demoted(business, auth_client):
    owner = business.memberships.get(role=Role.OWNER)
    manager = bearer(member(business, Role.MANAGER).user)

    for api in (auth_client, manager):
        assert api.delete(f"{MEMBERS}/{owner.pk}").status_code == 400
        assert api.patch(f"{MEMBERS}/{owner.pk}", {"role": "manager"}, format="json").status_code == 400
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_the_owner_transfers_ownership_and_stays_as_manager(business):
    old_owner = business.owner_login
    manager = member(business, Role.MANAGER)

    with pytest.raises(PermissionDenied):
        team.ownership_transfer(business=business, to_membership_id=manager.pk, by=manager.user)
    with pytest.raises(ValidationError):
        team.ownership_transfer(
            business=business, to_membership_id=business.memberships.get(user=old_owner).pk, by=old_owner
        )
    team.ownership_transfer(business=business, to_membership_id=manager.pk, by=old_owner)

    assert business.owner_login == manager.user
    assert business.memberships.get(user=old_owner).role == Role.MANAGER
    manager.refresh_from_db()
    assert manager.role == Role.OWNER


def test_the_owner_hands_the_business_over_through_the_api_and_the_team_page(business, client):
    old_owner = business.owner_login
    manager, other = member(business, Role.MANAGER), member(business, Role.RECEPTIONIST)
    assert bearer(manager.user).post(f"/api/team/members/{other.pk}/make-owner").status_code == 403

    response = bearer(old_owner).post(f"/api/team/members/{manager.pk}/make-owner")

    assert response.status_code == 200 and response.json()["role"] == "owner"
    assert business.memberships.get(user=old_owner).role == Role.MANAGER
    client.force_login(manager.user)
    page = client.post(f"/dashboard/team/{other.pk}/make-owner/")
    assert page.status_code == 302
    assert business.memberships.get(pk=other.pk).role == Role.OWNER
    assert client.get("/dashboard/team/").status_code == 200  # the old owner works on, as a manager


# --- Who may, and which business --------------------------------------------------------------------
@pytest.mark.parametrize("role", [Role.RECEPTIONIST, Role.PROFESSIONAL])
def test_receptionists_and_professionals_cannot_manage_the_team(business, client, role):
    professional = ProfessionalFactory(business=business) if role == Role.PROFESSIONAL else None
    membership = member(business, role, professional=professional)
    owner = business.memberships.get(role=Role.OWNER)
    api = bearer(membership.user)

    assert api.get(MEMBERS).status_code == 403
    assert api.post(MEMBERS, {"email": "x@exemplo.com", "role": "manager"}, format="json").status_code == 403
    assert api.get(f"{MEMBERS}/{owner.pk}").status_code == 403
    assert api.patch(f"{MEMBERS}/{membership.pk}", {"role": "manager"}, format="json").status_code == 403
    assert api.delete(f"{MEMBERS}/{owner.pk}").status_code == 403
    client.force_login(membership.user)
    assert client.get("/dashboard/team/").status_code == 403
    assert client.post("/dashboard/team/invite/", {"email": "x@exemplo.com", "role": "manager"}).status_code == 403
    assert 'href="/dashboard/team/"' not in client.get("/dashboard/").content.decode()
    assert not Invitation.objects.exists()
    membership.refresh_from_db()
    assert membership.role == role


def test_staff_of_no_business_cannot_manage_a_team():
    staff = bearer(UserFactory(is_staff=True))
    assert staff.get(MEMBERS).status_code == 403


def test_another_businesss_members_and_invitations_are_not_found(business, auth_client, client, invite):
    other = BusinessFactory()
    other_member = member(other, Role.RECEPTIONIST)
    other_invitation, _token = invite(bearer(other.owner_login))
    ids = [str(other_member.pk), other_invitation.json()["id"], "nao-e-id"]

    for member_id in ids:
        assert auth_client.get(f"{MEMBERS}/{member_id}").status_code == 404
        assert auth_client.patch(f"{MEMBERS}/{member_id}", {"role": "manager"}, format="json").status_code == 404
        assert auth_client.delete(f"{MEMBERS}/{member_id}").status_code == 404
        assert auth_client.post(f"{MEMBERS}/{member_id}/resend").status_code == 404
    client.force_login(business.owner_login)
    for member_id in ids:
        for action in ("role", "resend", "remove"):
            response = client.post(f"/dashboard/team/{member_id}/{action}/", {"role": "manager"})
            assert response.status_code == 404, (member_id, action)
    other_member.refresh_from_db()
    assert other_member.role == Role.RECEPTIONIST
    assert Invitation.objects.open().filter(business=other).count() == 1
    assert len(mail.outbox) == 1


# --- The Team page --------------------------------------------------------------------------------
def test_the_team_page_invites_resends_changes_and_removes_without_javascript(business, client, committed):
    client.force_login(business.owner_login)
    page = client.get("/dashboard/team/")
    assert page.status_code == 200
    assert 'href="/dashboard/team/"' in page.content.decode()  # the nav link

    invited = committed(client.post, "/dashboard/team/invite/", {"email": "nova@exemplo.com", "role": "receptionist"})
    assert invited.status_code == 302 and len(mail.outbox) == 1
    invitation = Invitation.objects.get()
    assert "nova@exemplo.com" in client.get("/dashboard/team/").content.decode()

    assert committed(client.post, f"/dashboard/team/{invitation.pk}/resend/").status_code == 302
    assert len(mail.outbox) == 2
    assert client.post(f"/dashboard/team/{invitation.pk}/role/", {"role": "manager"}).status_code == 302
    assert Invitation.objects.get().role == Role.MANAGER
    assert client.post(f"/dashboard/team/{invitation.pk}/remove/").status_code == 302
    assert Invitation.objects.get().revoked_at is not None

    receptionist = member(business, Role.RECEPTIONIST)
    assert client.post(f"/dashboard/team/{receptionist.pk}/remove/").status_code == 302
    assert not Membership.objects.filter(pk=receptionist.pk).exists()


def test_the_team_page_shows_what_went_wrong(business, client):
    client.force_login(business.owner_login)
    owner = business.memberships.get(role=Role.OWNER)

    bad_invite = client.post("/dashboard/team/invite/", {"email": "nao-e-email", "role": "manager"})
    owner_removal = client.post(f"/dashboard/team/{owner.pk}/remove/")
    no_agenda = client.post(f"/dashboard/team/{member(business, Role.MANAGER).pk}/role/", {"role": "professional"})

    assert [r.status_code for r in (bad_invite, owner_removal, no_agenda)] == [400, 400, 400]
    assert bad_invite.context["invite_form"].errors
    assert owner_removal.context["action_form"].errors
    assert business.memberships.filter(role=Role.OWNER).exists()


def test_a_manager_uses_the_team_page(business, client):
    client.force_login(member(business, Role.MANAGER).user)
    assert client.get("/dashboard/team/").status_code == 200


def test_the_admin_lists_invitations_and_shows_pending_ones_on_the_business(business, client, invite):
    invite(bearer(business.owner_login))
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    listing = client.get("/admin/accounts/invitation/?q=nova")
    change = client.get(f"/admin/accounts/business/{business.pk}/change/")

    assert listing.status_code == 200 and "nova@exemplo.com" in listing.content.decode()
    assert change.status_code == 200 and "nova@exemplo.com" in change.content.decode()


# --- Concurrency ------------------------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("login_exists", [False, True], ids=["new-login", "existing-login"])
def test_concurrent_accepts_of_one_link_make_one_membership(business, login_exists):
    if login_exists:
        UserFactory(email="nova@exemplo.com")
    team.invitation_create(business=business, invited_by=business.owner_login, email="nova@exemplo.com", role="manager")
    token = LINK.search(mail.outbox[-1].body).group(2)  # committed, so the email went out
    password = DEFAULT_PASSWORD if login_exists else NEW_PASSWORD
    statuses: list[int] = []
    attempts = 10
    barrier = threading.Barrier(attempts)

    def attempt():
        barrier.wait()
        try:
            statuses.append(accept(token, password).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200] + [400] * (attempts - 1)
    assert Membership.objects.filter(business=business, user__email="nova@exemplo.com").count() == 1
    assert User.objects.filter(email="nova@exemplo.com").count() == 1
