"""The waitlist: joining (API and public page), offers when a time frees up, claiming, expiry."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from notifications.models import Kind, Message
from scheduling import services
from scheduling.models import (
    Appointment,
    AppointmentStatus,
    WaitlistEntry,
    WaitlistOffer,
    WaitlistOfferStatus,
    WaitlistStatus,
)
from tests.factories import ProfessionalFactory
from tests.fakes.whatsapp_cloud import button_reply_event, post_webhook
from tests.helpers import as_owner, at, set_hours, set_rules

pytestmark = pytest.mark.django_db


@pytest.fixture
def full_day(business, service, pro, monday):
    """The owner works 09:00-11:00 on `monday` and both hours are booked."""
    set_hours(pro, 0, ("09:00", "11:00"))
    return [
        services.appointment_book(
            business=business,
            actor=as_owner(business),
            service_id=service.pk,
            start_time=at(monday, hour),
            client_name=f"Cliente {hour}",
            client_whatsapp=f"+55119888800{hour:02d}",
        )
        for hour in (9, 10)
    ]


def join(api_client, business, service, monday, number: str, **extra):
    body = {
        "business_slug": business.slug,
        "service_id": str(service.pk),
        "date": monday.isoformat(),
        "client_name": f"Espera {number[-2:]}",
        "client_whatsapp": number,
        "consent_whatsapp": True,
        **extra,
    }
    return api_client.post("/api/waitlist", body, format="json")


def offers_sent():
    return list(Message.objects.filter(kind=Kind.WAITLIST_OFFER).order_by("created_at"))


# --- Joining ------------------------------------------------------------------------------------------
def test_a_client_joins_through_the_public_api_once_per_service_and_day(api_client, business, service, monday):
    first = join(api_client, business, service, monday, "+5511977770001", **{"from": "14:00", "until": "18:00"})
    again = join(api_client, business, service, monday, "+5511977770001")

    assert first.status_code == 201, first.content
    assert first.json()["status"] == "waiting"
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    entry = WaitlistEntry.objects.get()
    assert (entry.window_from.hour, entry.window_until.hour) == (14, 18)
    assert entry.client.whatsapp == "+5511977770001"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date": "2000-01-01"}, "date"),
        ({"date": "not a date"}, "date"),
        ({"service_id": "00000000-0000-0000-0000-000000000000"}, "service_id"),
        ({"client_whatsapp": "123"}, "client_whatsapp"),
        ({"from": "18:00", "until": "09:00"}, "until"),
        ({"professional_id": "00000000-0000-0000-0000-000000000000"}, "professional_id"),
    ],
)
def test_bad_input_to_join_is_a_400_naming_the_field(api_client, business, service, monday, change, field):
    response = join(api_client, business, service, monday, "+5511977770001", **change)

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not WaitlistEntry.objects.exists()


def test_joining_is_throttled_like_online_bookings(api_client, business, service, monday, settings):
    settings.PUBLIC_BOOKINGS_PER_PHONE_HOUR = 1
    assert join(api_client, business, service, monday, "+5511977770001").status_code == 201

    assert join(api_client, business, service, monday + timedelta(days=7), "+5511977770001").status_code == 429


def test_the_public_page_offers_the_waitlist_on_a_full_day_and_joins_without_javascript(
    client, business, service, monday, full_day
):
    page = client.get(f"/b/{business.slug}/book/{service.pk}/", {"date": monday.isoformat()})
    assert b'id="waitlist-form"' in page.content

    response = client.post(
        f"/b/{business.slug}/book/{service.pk}/waitlist/",
        {
            "waitlist-date": monday.isoformat(),
            "waitlist-client_name": "Ana",
            "waitlist-client_whatsapp": "(11) 97777-0002",
            "waitlist-consent_whatsapp": "on",
            "waitlist-window_from": "09:00",
        },
    )

    assert response.status_code == 200
    assert b'id="waitlist-joined"' in response.content
    entry = WaitlistEntry.objects.get()
    assert (entry.client_name, entry.date, entry.consent_whatsapp) == ("Ana", monday, True)


def test_the_public_page_form_with_errors_is_a_400(client, business, service, monday):
    response = client.post(
        f"/b/{business.slug}/book/{service.pk}/waitlist/",
        {"waitlist-date": monday.isoformat(), "waitlist-client_name": "", "waitlist-client_whatsapp": ""},
    )

    assert response.status_code == 400
    assert not WaitlistEntry.objects.exists()


# --- Offers -------------------------------------------------------------------------------------------
def test_a_cancellation_offers_the_time_to_the_first_three_waiting(api_client, business, service, monday, full_day):
    for n in range(1, 5):
        join(api_client, business, service, monday, f"+55119777700{n:02d}")

    services.appointment_cancel(appointment=full_day[1], actor=as_owner(business))

    messages = offers_sent()
    assert [m.recipient for m in messages] == ["+5511977770001", "+5511977770002", "+5511977770003"]
    offer = WaitlistOffer.objects.get(entry__client_whatsapp="+5511977770001")
    assert offer.start_time == at(monday, 10)
    assert f"/b/{business.slug}/w/{offer.token}/" in messages[0].body
    assert messages[0].template_params[-1].endswith(f"/b/{business.slug}/w/{offer.token}/")
    assert messages[0].template_name == "agendazap_waitlist_offer"
    assert messages[0].buttons == [f"WAITLIST:{offer.token}"]
    assert WaitlistEntry.objects.get(client_whatsapp="+5511977770004").status == WaitlistStatus.WAITING


def test_the_number_offered_at_once_is_a_booking_rule(api_client, business, service, monday, full_day):
    set_rules(business, waitlist_offers_at_once=1)
    for n in range(1, 3):
        join(api_client, business, service, monday, f"+55119777700{n:02d}")

    services.appointment_cancel(appointment=full_day[0], actor=as_owner(business))

    assert [m.recipient for m in offers_sent()] == ["+5511977770001"]


def test_offers_respect_the_window_and_the_professional(api_client, business, service, pro, monday, full_day):
    other = ProfessionalFactory(business=business)
    set_hours(other, 0, ("09:00", "11:00"))
    join(api_client, business, service, monday, "+5511977770001", **{"from": "14:00"})
    join(api_client, business, service, monday, "+5511977770002", professional_id=str(other.pk))
    join(api_client, business, service, monday, "+5511977770003", **{"until": "11:00"})
    join(api_client, business, service, monday, "+5511977770004", consent_whatsapp=False)

    services.appointment_cancel(appointment=full_day[1], actor=as_owner(business))

    assert [m.recipient for m in offers_sent()] == ["+5511977770003"]


def test_a_move_offers_the_time_it_left(api_client, business, service, pro, monday, full_day):
    set_hours(pro, 0, ("09:00", "12:00"))
    join(api_client, business, service, monday, "+5511977770001", **{"until": "10:00"})

    services.appointment_update(appointment=full_day[0], actor=as_owner(business), data={"start_time": at(monday, 11)})

    assert WaitlistOffer.objects.get().start_time == at(monday, 9)


def test_a_cancelled_time_no_longer_bookable_online_is_offered_to_nobody(
    api_client, business, service, monday, full_day
):
    join(api_client, business, service, monday, "+5511977770001")
    # Time off over the cancelled hour: free in the agenda, not bookable.
    services.time_off_create(business=business, start_time=at(monday, 10), end_time=at(monday, 11))

    services.appointment_cancel(appointment=full_day[1], actor=as_owner(business))

    assert offers_sent() == []


def test_removing_a_time_off_offers_the_reopened_time(api_client, business, service, pro, monday):
    set_hours(pro, 0, ("09:00", "10:00"))
    closed = services.time_off_create(business=business, start_time=at(monday, 9), end_time=at(monday, 10))
    join(api_client, business, service, monday, "+5511977770001")

    services.time_off_delete(time_off=closed)

    assert WaitlistOffer.objects.get().start_time == at(monday, 9)


# --- Claiming -----------------------------------------------------------------------------------------
def test_the_first_claim_books_and_the_others_are_told_it_is_gone(api_client, business, service, monday, full_day):
    for n in range(1, 3):
        join(api_client, business, service, monday, f"+55119777700{n:02d}")
    services.appointment_cancel(appointment=full_day[1], actor=as_owner(business))
    first, second = WaitlistOffer.objects.order_by("entry__created_at")

    won = api_client.post("/api/waitlist/claim", {"token": first.token}, format="json")
    lost = api_client.post("/api/waitlist/claim", {"token": second.token}, format="json")

    assert won.status_code == 201, won.content
    booked = Appointment.objects.get(pk=won.json()["id"])
    assert (booked.start_time, booked.client_whatsapp, booked.source) == (at(monday, 10), "+5511977770001", "public")
    assert lost.status_code == 409
    assert "alguém já ficou com este horário" in lost.json()["detail"]
    assert [m.recipient for m in Message.objects.filter(kind=Kind.WAITLIST_TAKEN)] == ["+5511977770002"]
    assert WaitlistEntry.objects.get(client_whatsapp="+5511977770001").status == WaitlistStatus.BOOKED
    assert WaitlistEntry.objects.get(client_whatsapp="+5511977770002").status == WaitlistStatus.WAITING


def test_the_claim_page_shows_the_offer_and_books_with_a_plain_post(
    client, api_client, business, service, monday, full_day
):
    join(api_client, business, service, monday, "+5511977770001")
    services.appointment_cancel(appointment=full_day[1], actor=as_owner(business))
    offer = WaitlistOffer.objects.get()

    page = client.get(f"/b/{business.slug}/w/{offer.token}/")
    response = client.post(f"/b/{business.slug}/w/{offer.token}/")

    assert page.status_code == 200
    assert b'id="claim-button"' in page.content
    assert service.name.encode() in page.content
    assert response.status_code == 302
    assert "/a/" in response["Location"]
    assert Appointment.objects.filter(client_whatsapp="+5511977770001", status="confirmed").exists()


def test_an_unknown_or_expired_token_is_refused_clearly(api_client, business, service, monday, full_day):
    join(api_client, business, service, monday, "+5511977770001")
    services.appointment_cancel(appointment=full_day[1], actor=as_owner(business))
    WaitlistOffer.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    offer = WaitlistOffer.objects.get()

    expired = api_client.post("/api/waitlist/claim", {"token": offer.token}, format="json")
    unknown = api_client.post("/api/waitlist/claim", {"token": "nope"}, format="json")
    empty = api_client.post("/api/waitlist/claim", {}, format="json")

    assert expired.status_code == 410
    assert "Esta oferta expirou" in expired.json()["detail"]
    assert unknown.status_code == 404
    assert empty.status_code == 400
    assert not Appointment.objects.filter(client_whatsapp="+5511977770001").exists()


# --- Expiry -------------------------------------------------------------------------------------------
def test_an_expired_offer_passes_the_time_to_the_next_in_line(api_client, business, service, monday, full_day):
    set_rules(business, waitlist_offers_at_once=1)
    for n in range(1, 3):
        join(api_client, business, service, monday, f"+55119777700{n:02d}")
    services.appointment_cancel(appointment=full_day[1], actor=as_owner(business))

    later = timezone.now() + timedelta(minutes=31)
    assert services.waitlist_expire(now=later) == 1

    assert [m.recipient for m in offers_sent()] == ["+5511977770001", "+5511977770002"]
    first, second = WaitlistOffer.objects.order_by("created_at")
    assert (first.status, second.status) == (WaitlistOfferStatus.EXPIRED, WaitlistOfferStatus.OPEN)
    assert second.expires_at == later + timedelta(minutes=30)
    assert WaitlistEntry.objects.get(client_whatsapp="+5511977770001").status == WaitlistStatus.WAITING


def test_an_expired_offer_whose_time_was_booked_meanwhile_offers_nothing(
    api_client, business, service, monday, full_day
):
    set_rules(business, waitlist_offers_at_once=1)
    for n in range(1, 3):
        join(api_client, business, service, monday, f"+55119777700{n:02d}")
    services.appointment_cancel(appointment=full_day[1], actor=as_owner(business))
    services.appointment_book(
        business=business,
        actor=as_owner(business),
        service_id=service.pk,
        start_time=at(monday, 10),
        client_name="Balcão",
        client_whatsapp="+5511966660000",
    )

    services.waitlist_expire(now=timezone.now() + timedelta(minutes=31))

    assert [m.recipient for m in offers_sent()] == ["+5511977770001"]


# --- The owner ----------------------------------------------------------------------------------------
def test_the_owner_lists_and_removes_entries(auth_client, api_client, business, service, monday):
    join(api_client, business, service, monday, "+5511977770001")
    join(api_client, business, service, monday + timedelta(days=7), "+5511977770002")

    listed = auth_client.get("/api/waitlist", {"date": monday.isoformat()})
    entry_id = listed.json()["waitlist"][0]["id"]
    removed = auth_client.delete(f"/api/waitlist/{entry_id}")
    after = auth_client.get("/api/waitlist")

    assert listed.status_code == 200
    assert [row["client_whatsapp"] for row in listed.json()["waitlist"]] == ["+5511977770001"]
    assert listed.json()["waitlist"][0]["status"] == "waiting"
    assert removed.status_code == 204
    assert [row["client_whatsapp"] for row in after.json()["waitlist"]] == ["+5511977770002"]
    assert auth_client.get("/api/waitlist", {"status": "bogus"}).status_code == 400
    assert api_client.get("/api/waitlist").status_code == 401


def test_a_removed_clients_offer_can_no_longer_be_claimed(auth_client, api_client, business, service, monday, full_day):
    join(api_client, business, service, monday, "+5511977770001")
    services.appointment_cancel(appointment=full_day[1], actor=as_owner(business))
    offer = WaitlistOffer.objects.get()

    auth_client.delete(f"/api/waitlist/{offer.entry_id}")

    assert api_client.post("/api/waitlist/claim", {"token": offer.token}, format="json").status_code == 410
    assert (
        Appointment.objects.filter(start_time=at(monday, 10)).exclude(status=AppointmentStatus.CANCELLED).count() == 0
    )


def test_the_dashboard_lists_who_waits_by_day_and_removes(client, api_client, business, service, monday):
    join(api_client, business, service, monday, "+5511977770001", **{"from": "14:00"})
    client.force_login(business.owner_login)

    page = client.get("/dashboard/agenda/waitlist/")
    entry = WaitlistEntry.objects.get()
    removed = client.post(f"/dashboard/agenda/waitlist/{entry.pk}/remove/")

    assert page.status_code == 200
    assert b"Espera 01" in page.content
    assert b"14:00" in page.content
    assert removed.status_code == 302
    assert WaitlistEntry.objects.get().status == WaitlistStatus.REMOVED
    assert f'data-entry="{entry.pk}"'.encode() not in client.get("/dashboard/agenda/waitlist/").content


def test_the_admin_shows_entries_with_their_offers(admin_client, api_client, business, service, monday, full_day):
    join(api_client, business, service, monday, "+5511977770001")
    services.appointment_cancel(appointment=full_day[1], actor=as_owner(business))
    entry = WaitlistEntry.objects.get()

    assert admin_client.get("/admin/scheduling/waitlistentry/").status_code == 200
    detail = admin_client.get(f"/admin/scheduling/waitlistentry/{entry.pk}/change/")
    assert detail.status_code == 200
    assert b"offers-0-id" in detail.content or b"offers-TOTAL_FORMS" in detail.content


def test_the_waitlist_rules_are_set_through_the_api(auth_client):
    response = auth_client.patch(
        "/api/booking-rules", {"waitlist_offers_at_once": 2, "waitlist_offer_minutes": 15}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["waitlist_offers_at_once"], response.json()["waitlist_offer_minutes"]) == (2, 15)
    assert auth_client.patch("/api/booking-rules", {"waitlist_offers_at_once": 0}, format="json").status_code == 400


def test_the_offers_quick_reply_is_answered_with_the_claim_link(
    settings, api_client, business, service, monday, full_day
):
    settings.WHATSAPP_APP_SECRET = "segredo"
    join(api_client, business, service, monday, "+5511977770001")
    services.appointment_cancel(appointment=full_day[1], actor=as_owner(business))
    offer = WaitlistOffer.objects.get()

    event = button_reply_event("+5511977770001", f"WAITLIST:{offer.token}", "Quero este horário")
    assert post_webhook(api_client, "/api/webhooks/whatsapp", event, "segredo").status_code == 200

    answer = Message.objects.get(kind=Kind.REPLY, recipient="+5511977770001")
    assert answer.body.endswith(f"/b/{business.slug}/w/{offer.token}/")
    assert not Appointment.objects.filter(client_whatsapp="+5511977770001").exists()


def test_a_fully_booked_day_links_to_its_waitlist_and_a_closed_day_does_not(
    client, business, service, monday, full_day
):
    page = client.get(f"/b/{business.slug}/book/{service.pk}/", {"month": monday.strftime("%Y-%m")}).content.decode()

    assert f'href="?date={monday.isoformat()}#waitlist"' in page
    sunday = monday - timedelta(days=1)
    assert f"?date={sunday.isoformat()}" not in page


def test_a_day_with_times_that_do_not_suit_leads_to_the_waitlist_form(client, business, service, pro, monday):
    set_hours(pro, 0, ("09:00", "11:00"))
    page = client.get(f"/b/{business.slug}/book/{service.pk}/", {"date": monday.isoformat()}).content.decode()
    link = f"/b/{business.slug}/book/{service.pk}/waitlist/?date={monday.isoformat()}"

    form = client.get(link)

    assert link in page
    assert form.status_code == 200
    assert f'value="{monday.isoformat()}"'.encode() in form.content


def test_the_owners_lists_read_the_same_queries_for_one_entry_or_many(
    auth_client, client, api_client, business, service, monday
):
    client.force_login(business.owner_login)

    def counts() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as api:
            assert auth_client.get("/api/waitlist").status_code == 200
        with CaptureQueriesContext(connection) as page:
            assert client.get("/dashboard/agenda/waitlist/").status_code == 200
        return len(api), len(page)

    join(api_client, business, service, monday, "+5511977770001")
    one = counts()
    other = ProfessionalFactory(business=business)
    for n in range(2, 7):
        join(
            api_client,
            business,
            service,
            monday + timedelta(days=n % 2 * 7),
            f"+55119777700{n:02d}",
            professional_id=str(other.pk),
        )

    assert counts() == one


def test_the_embedded_dispatch_loop_expires_offers_too(api_client, business, service, monday, full_day):
    set_rules(business, waitlist_offers_at_once=1, waitlist_offer_minutes=5)
    for n in range(1, 3):
        join(api_client, business, service, monday, f"+55119777700{n:02d}")
    services.appointment_cancel(appointment=full_day[1], actor=as_owner(business))
    WaitlistOffer.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    call_command("dispatch_messages", stdout=StringIO())

    assert [m.recipient for m in offers_sent()] == ["+5511977770001", "+5511977770002"]


def test_entries_of_a_day_that_is_over_expire(api_client, business, service, monday):
    join(api_client, business, service, monday, "+5511977770001")

    services.waitlist_expire(now=at(monday, 23))
    still = WaitlistEntry.objects.get().status
    services.waitlist_expire(now=at(monday + timedelta(days=2), 0))

    assert still == WaitlistStatus.WAITING
    assert WaitlistEntry.objects.get().status == WaitlistStatus.EXPIRED
