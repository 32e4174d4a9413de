"""The weekly hours editor: each day open from-to with breaks, or closed; copy a day to every day."""

import re
from datetime import time

import pytest

from scheduling.forms import WeeklyHoursForm
from tests.helpers import set_hours

pytestmark = pytest.mark.django_db

DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


@pytest.fixture
def logged_in(client, business):
    client.force_login(business.owner_login)
    return client


def page_url(pro) -> str:
    return f"/dashboard/settings/agenda/professionals/{pro.pk}/"


def hours_url(pro) -> str:
    return f"/dashboard/settings/agenda/professionals/{pro.pk}/hours/"


def week(rows: int = 2, **days) -> dict:
    """The editor's fields: days by name as (opens, closes, [breaks]) or "closed"; unnamed days closed."""
    data = {}
    for weekday, name in enumerate(DAYS):
        day = days.get(name, "closed")
        opens, closes, breaks = ("", "", []) if day == "closed" else day
        if day == "closed":
            data[f"d{weekday}_closed"] = "on"
        data[f"d{weekday}_start"], data[f"d{weekday}_end"] = opens, closes
        for row in range(1, rows + 1):
            start, end = breaks[row - 1] if row <= len(breaks) else ("", "")
            data[f"d{weekday}_b{row}_start"], data[f"d{weekday}_b{row}_end"] = start, end
    return data


def stored(pro) -> list[tuple[int, str, str]]:
    return [
        (row.weekday, f"{row.start_time:%H:%M}", f"{row.end_time:%H:%M}")
        for row in pro.working_hours.order_by("weekday", "start_time")
    ]


def day_block(page: str, weekday: int) -> str:
    return re.search(rf'<fieldset class="hours-day[^"]*" id="day-{weekday}".*?</fieldset>', page, re.S)[0]


def input_value(block: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', block)[0]
    value = re.search(r'value="([^"]*)"', match)
    return value[1] if value else ""


def test_stored_intervals_show_as_a_day_with_its_break_and_a_closed_sunday(logged_in, pro):
    set_hours(pro, 0, ("09:00", "12:00"), ("13:00", "18:00"))

    page = logged_in.get(page_url(pro)).content.decode()

    monday, sunday = day_block(page, 0), day_block(page, 6)
    assert "Abre às" in monday and "Intervalo das" in monday and "Copiar para todos os dias" in monday
    assert [input_value(monday, f"d0_{part}") for part in ("start", "end", "b1_start", "b1_end")] == [
        "09:00",
        "18:00",
        "12:00",
        "13:00",
    ]
    assert re.search(r'name="d6_closed"[^>]*checked', sunday)
    assert not re.search(r'name="d0_closed"[^>]*checked', monday)
    # One empty break row beyond the busiest day: a second break can be typed straight away.
    assert input_value(monday, "d0_b2_start") == "" and 'name="d0_b2_start"' in monday


def test_a_day_with_two_breaks_is_stored_as_three_intervals(logged_in, pro):
    data = week(monday=("08:00", "20:00", [("15:00", "15:30"), ("12:00", "13:00")]), saturday=("09:00", "13:00", []))

    response = logged_in.post(hours_url(pro), data)

    assert response.status_code == 302
    assert stored(pro) == [(0, "08:00", "12:00"), (0, "13:00", "15:00"), (0, "15:30", "20:00"), (5, "09:00", "13:00")]


def test_closed_wins_over_times_left_in_the_day(logged_in, pro):
    data = week(monday=("09:00", "18:00", []), tuesday=("09:00", "18:00", []))
    data["d1_closed"] = "on"

    assert logged_in.post(hours_url(pro), data).status_code == 302
    assert stored(pro) == [(0, "09:00", "18:00")]


def test_copy_to_every_day_without_javascript_fills_the_week_and_saves_nothing(logged_in, pro):
    before = stored(pro)
    data = week(monday=("08:00", "17:00", [("12:00", "13:30")]), tuesday=("10:00", "14:00", []))

    response = logged_in.post(hours_url(pro), {**data, "copy_from": "0"})

    assert response.status_code == 200
    assert stored(pro) == before
    page = response.content.decode()
    assert "Os horários e intervalos de Segunda-feira agora estão em todos os dias." in page
    for weekday in range(7):
        block = day_block(page, weekday)
        assert [input_value(block, f"d{weekday}_{part}") for part in ("start", "end", "b1_start", "b1_end")] == [
            "08:00",
            "17:00",
            "12:00",
            "13:30",
        ]
        assert not re.search(rf'name="d{weekday}_closed"[^>]*checked', block)
    saved = logged_in.post(hours_url(pro), WeeklyHoursForm.copied(data, source=0, breaks=2))
    assert saved.status_code == 302
    assert stored(pro) == [
        (day, start, end) for day in range(7) for start, end in (("08:00", "12:00"), ("13:30", "17:00"))
    ]


def test_copying_a_closed_day_closes_every_day(logged_in, pro):
    data = week(monday=("08:00", "17:00", []))

    page = logged_in.post(hours_url(pro), {**data, "copy_from": "6"}).content.decode()

    assert all(re.search(rf'name="d{weekday}_closed"[^>]*checked', page) for weekday in range(7))


def test_one_more_break_adds_a_row_to_every_day_keeping_what_was_typed(logged_in, pro):
    before = stored(pro)
    data = week(rows=1, monday=("08:00", "17:00", [("12:00", "13:00")]))

    response = logged_in.post(hours_url(pro), {**data, "add_break": "1"})

    page = response.content.decode()
    assert response.status_code == 200 and stored(pro) == before
    assert 'name="d0_b2_start"' in page and 'name="d6_b2_end"' in page
    assert input_value(day_block(page, 0), "d0_b1_start") == "12:00"


@pytest.mark.parametrize(
    ("monday", "field", "message"),
    [
        (
            ("09:00", "18:00", [("18:30", "19:00")]),
            "d0_b1_start",
            "O intervalo 18:30–19:00 está fora do dia (09:00–18:00).",
        ),
        (("09:00", "18:00", [("08:00", "10:00")]), "d0_b1_start", "está fora do dia"),
        (("18:00", "09:00", []), "d0_end", "O dia precisa fechar depois de abrir."),
        (("09:00", "18:00", [("13:00", "12:00")]), "d0_b1_end", "O intervalo precisa terminar depois de começar."),
        (
            ("09:00", "18:00", [("12:00", "13:00"), ("12:30", "14:00")]),
            "d0_b2_start",
            "O intervalo 12:30–14:00 se sobrepõe a outro intervalo.",
        ),
        (("09:00", "", []), "d0_end", "Preencha quando o dia abre e fecha, ou marque Fechado."),
        (("09:00", "18:00", [("12:00", "")]), "d0_b1_start", "Preencha os dois horários do intervalo"),
    ],
)
def test_a_bad_day_is_refused_beside_the_day_keeping_the_week(logged_in, pro, monday, field, message):
    before = stored(pro)
    data = week(monday=monday, friday=("10:00", "19:00", []))

    response = logged_in.post(hours_url(pro), data)

    assert response.status_code == 400
    assert stored(pro) == before
    page = response.content.decode()
    assert message in day_block(page, 0) and "field-invalid" in day_block(page, 0)
    assert 'aria-invalid="true"' in re.search(rf'<input[^>]*name="{field}"[^>]*>', page)[0]
    assert "field-invalid" not in day_block(page, 4)
    assert input_value(day_block(page, 4), "d4_start") == "10:00"
    assert input_value(day_block(page, 0), "d0_start") == monday[0]


def test_stored_intervals_come_back_as_the_same_intervals(pro):
    set_hours(pro, 2, ("07:00", "11:00"), ("11:30", "14:00"), ("15:00", "22:00"))
    set_hours(pro, 3, ("09:00", "12:00"), ("12:00", "18:00"))  # touching: one day without a break
    initial, breaks = WeeklyHoursForm.initial_for(pro.working_hours.all())
    form = WeeklyHoursForm(initial=initial, breaks=breaks)
    data = {name: form[name].value() for name in form.fields}
    data = {name: (f"{value:%H:%M}" if isinstance(value, time) else value) for name, value in data.items()}
    data = {name: ("on" if value is True else value) for name, value in data.items() if value not in (None, False)}

    bound = WeeklyHoursForm(data, breaks=breaks)

    assert bound.is_valid(), bound.errors
    assert breaks == 3
    wednesday = [(row["start_time"], row["end_time"]) for row in bound.intervals() if row["weekday"] == 2]
    assert wednesday == [(time(7), time(11)), (time(11, 30), time(14)), (time(15), time(22))]
    thursday = [(row["start_time"], row["end_time"]) for row in bound.intervals() if row["weekday"] == 3]
    assert thursday == [(time(9), time(18))]
