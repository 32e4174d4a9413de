"""Appointment list rows as JSON-ready dicts, read with `.values()`: the shapes of
`AppointmentSerializer` and `ClientHistoryAppointmentSerializer` (which stay for the schema and the
single-appointment paths), without a serializer built per row. tests/scheduling/test_appointment_rows.py
holds them equal, field for field."""

from collections.abc import Iterable, Mapping

from django.utils import timezone

from agendazap.api.json_values import datetime_text, decimal_number, uuid_text
from scheduling.api.serializers import AppointmentSerializer
from scheduling.models import CONFIRMED_STATUSES, AppointmentStatus

# The service and the professional come along in the same query (their joins are inner: both required).
_RELATED_COLUMNS = (
    "service_id",
    "service__name",
    "service__duration",
    "service__price",
    "professional_id",
    "professional__name",
)

# The serializer's fields that are columns; the nested service and professional and the status
# flags are written from the columns (the ids come with `_RELATED_COLUMNS`).
_WRITTEN_FROM_COLUMNS = {"service", "professional", "is_confirmed", "is_cancelled", "is_completed"}
APPOINTMENT_COLUMNS = (
    *(
        field
        for field in AppointmentSerializer.Meta.fields
        if field not in _WRITTEN_FROM_COLUMNS and field not in _RELATED_COLUMNS
    ),
    *_RELATED_COLUMNS,
)

HISTORY_COLUMNS = ("id", "start_time", "end_time", "status", "price", "notes", "source", *_RELATED_COLUMNS)


def _service(row: Mapping) -> dict:
    return {
        "id": str(row["service_id"]),
        "name": row["service__name"],
        "duration": row["service__duration"],
        "price": decimal_number(row["service__price"]),
    }


def _professional(row: Mapping) -> dict:
    return {"id": str(row["professional_id"]), "name": row["professional__name"]}


def appointments_json(rows: Iterable[Mapping]) -> list[dict]:
    """Rows read with `APPOINTMENT_COLUMNS`, as `AppointmentSerializer` writes them."""
    tz = timezone.get_current_timezone()
    return [
        {
            "id": str(row["id"]),
            "service_id": str(row["service_id"]),
            "service": _service(row),
            "professional_id": str(row["professional_id"]),
            "professional": _professional(row),
            "client_id": uuid_text(row["client_id"]),
            "client_name": row["client_name"],
            "client_whatsapp": row["client_whatsapp"],
            "client_email": row["client_email"],
            "start_time": datetime_text(row["start_time"], tz),
            "end_time": datetime_text(row["end_time"], tz),
            "duration_minutes": row["duration_minutes"],
            "buffer_minutes": row["buffer_minutes"],
            "price": decimal_number(row["price"]),
            "status": row["status"],
            "is_confirmed": row["status"] in CONFIRMED_STATUSES,
            "is_cancelled": row["status"] == AppointmentStatus.CANCELLED,
            "is_completed": row["status"] == AppointmentStatus.COMPLETED,
            "notes": row["notes"],
            "internal_notes": row["internal_notes"],
            "source": row["source"],
            "series_id": uuid_text(row["series_id"]),
            "custom_fields": row["custom_fields"],
            "client_confirmed_at": datetime_text(row["client_confirmed_at"], tz),
            "cancellation_reason": row["cancellation_reason"],
            "cancelled_at": datetime_text(row["cancelled_at"], tz),
            "created_at": datetime_text(row["created_at"], tz),
            "updated_at": datetime_text(row["updated_at"], tz),
        }
        for row in rows
    ]


def history_appointments_json(rows: Iterable[Mapping]) -> list[dict]:
    """Rows read with `HISTORY_COLUMNS`, as `ClientHistoryAppointmentSerializer` writes them."""
    tz = timezone.get_current_timezone()
    return [
        {
            "id": str(row["id"]),
            "start_time": datetime_text(row["start_time"], tz),
            "end_time": datetime_text(row["end_time"], tz),
            "status": row["status"],
            "service": _service(row),
            "professional": _professional(row),
            "price": decimal_number(row["price"]),
            "notes": row["notes"],
            "source": row["source"],
        }
        for row in rows
    ]
