"""The dashboard's appointment page of a visit's part: the other parts, and cancelling the whole visit."""

import re

import pytest

from notifications.models import Kind, Message
from scheduling import services
from scheduling.models import Appointment, AppointmentStatus
from tests.factories import ServiceFactory
from tests.helpers import as_owner, at, set_hours

pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, business):
    client.force_login(business.owner_login)
    return client


@pytest.fixture
def visit(business, service, monday):
    beard = ServiceFactory(business=business, name="Barba", duration=30, price="30.00")
    return services.visit_book(
        business=business,
        actor=as_owner(business),
        service_ids=[service.pk, beard.pk],
        start_time=at(monday, 10),
        client_name="Maria Souza",
        client_whatsapp="(11) 98888-1234",
    )


def test_a_parts_page_shows_the_whole_visit_with_links_to_the_other_parts(
    logged_in, visit, django_assert_max_num_queries
):
    first, second = visit.parts
    with django_assert_max_num_queries(20):
        page = logged_in.get(f"/dashboard/agenda/{second.pk}/").content.decode()
    assert 'id="visit"' in page
    assert f'href="/dashboard/agenda/{first.pk}/"' in page  # the other part, one click away
    assert "10:00–11:00 · Corte" in page and "11:00–11:30 · Barba" in page
    assert "90 min" in page and "R$\xa080,00" in page


def test_an_appointment_on_its_own_shows_no_visit(logged_in, business, service, monday):
    single = services.appointment_book(
        business=business,
        actor=as_owner(business),
        service_id=service.pk,
        start_time=at(monday, 15),
        client_name="Ana",
        client_whatsapp="(11) 98888-4321",
    )
    assert 'id="visit"' not in logged_in.get(f"/dashboard/agenda/{single.pk}/").content.decode()


def test_staff_cancel_the_whole_visit_from_a_parts_page(logged_in, visit):
    second = visit.parts[1]
    response = logged_in.post(
        f"/dashboard/agenda/visit/{visit.pk}/cancel/", {"confirm": "yes", "reason": "Cliente doente", "from": second.pk}
    )
    assert response.status_code == 302 and response["Location"] == f"/dashboard/agenda/{second.pk}/"
    assert set(Appointment.objects.values_list("status", flat=True)) == {AppointmentStatus.CANCELLED}
    assert Message.objects.filter(kind=Kind.CANCELLATION).count() == 1


def test_without_the_confirmation_nothing_is_cancelled(logged_in, visit):
    logged_in.post(f"/dashboard/agenda/visit/{visit.pk}/cancel/", {"reason": ""})
    assert set(Appointment.objects.values_list("status", flat=True)) == {AppointmentStatus.CONFIRMED}


def test_staff_read_a_visit_with_its_parts_and_cancel_it_in_the_admin(admin_client, visit):
    page = admin_client.get(f"/admin/scheduling/visit/{visit.pk}/change/").content.decode()
    assert "Corte" in page and "Barba" in page
    response = admin_client.post(
        "/admin/scheduling/visit/", {"action": "cancel_visits", "_selected_action": [str(visit.pk)]}
    )
    assert response.status_code == 302
    assert set(Appointment.objects.values_list("status", flat=True)) == {AppointmentStatus.CANCELLED}
    assert Message.objects.filter(kind=Kind.CANCELLATION).count() == 1
    part_page = admin_client.get(f"/admin/scheduling/appointment/{visit.parts[0].pk}/change/")
    assert part_page.status_code == 200


# --- The new-appointment form ------------------------------------------------------------------------
def test_the_new_appointment_form_books_several_services_back_to_back(logged_in, business, service, pro, monday):
    beard = ServiceFactory(business=business, name="Barba", duration=30)
    set_hours(pro, 0, ("09:00", "11:00"))
    step_one = {"service_id": str(service.pk), "extra_service_ids": [str(beard.pk)], "date": monday.isoformat()}

    page = logged_in.get("/dashboard/agenda/new/", step_one).content.decode()
    # 90 minutes from 9:00 to 11:00, on the 15-minute grid: the starts at which both fit.
    assert re.findall(r'name="start_time" id="[\w-]+" value="[^"]+T(\d\d:\d\d)', page) == ["09:00", "09:15", "09:30"]
    assert f'<input type="hidden" name="extra_service_ids" value="{beard.pk}">' in page

    response = logged_in.post(
        "/dashboard/agenda/new/",
        {
            **step_one,
            "professional_id": "",
            "start_time": at(monday, 9, 30).isoformat(),
            "client_name": "Maria Souza",
            "client_whatsapp": "(11) 98888-1234",
            "client_email": "",
            "notes": "",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    parts = list(Appointment.objects.order_by("start_time"))
    assert [(p.service.name, p.start_time) for p in parts] == [
        ("Corte", at(monday, 9, 30)),
        ("Barba", at(monday, 10, 30)),
    ]
    assert parts[0].visit_id == parts[1].visit_id is not None
    assert response["Location"] == f"/dashboard/agenda/{parts[0].pk}/"
