"""Clients as JSON-ready dicts, read with `.values(*CLIENT_COLUMNS)`: the shape of `ClientSerializer`
(which stays for the schema and the single-client paths), without a serializer built per row.
tests/crm/test_client_rows.py holds the two equal, field for field."""

from collections.abc import Iterable, Mapping

from django.utils import timezone

from agendazap.api.json_values import date_text, datetime_text, decimal_number
from crm.api.serializers import ClientSerializer
from crm.models import is_regular_customer

# The serializer's fields that are columns (`is_regular_customer` is worked out from two of them).
CLIENT_COLUMNS = tuple(field for field in ClientSerializer.Meta.fields if field != "is_regular_customer")


def client_json(row: Mapping, tz=None) -> dict:
    """One client's row (a `.values()` dict, or a Client's `vars()`) as the API writes it;
    datetimes in `tz`, by default the active zone (the business's)."""
    tz = tz or timezone.get_current_timezone()
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "whatsapp": row["whatsapp"],
        "email": row["email"],
        "notes": row["notes"],
        "is_active": row["is_active"],
        "is_vip": row["is_vip"],
        "first_appointment_at": datetime_text(row["first_appointment_at"], tz),
        "last_appointment_at": datetime_text(row["last_appointment_at"], tz),
        "total_appointments": row["total_appointments"],
        "completed_appointments": row["completed_appointments"],
        "cancelled_appointments": row["cancelled_appointments"],
        "no_show_appointments": row["no_show_appointments"],
        "frequency_score": row["frequency_score"],
        "appointments_this_month": row["appointments_this_month"],
        "appointments_last_month": row["appointments_last_month"],
        "average_days_between_appointments": row["average_days_between_appointments"],
        "preferred_services": row["preferred_services"],
        "preferred_days": row["preferred_days"],
        "preferred_times": row["preferred_times"],
        "total_spent": decimal_number(row["total_spent"]),
        "average_ticket": decimal_number(row["average_ticket"]),
        "last_payment_at": datetime_text(row["last_payment_at"], tz),
        "is_regular_customer": is_regular_customer(row["completed_appointments"], row["frequency_score"]),
        "communication_preference": row["communication_preference"],
        "birth_date": date_text(row["birth_date"]),
        "gender": row["gender"],
        "address": row["address"],
        "city": row["city"],
        "state": row["state"],
        "zip_code": row["zip_code"],
        "source": row["source"],
        "referral_code": row["referral_code"],
        "tags": row["tags"],
        "custom_fields": row["custom_fields"],
        "erased_at": datetime_text(row["erased_at"], tz),
        "created_at": datetime_text(row["created_at"], tz),
        "updated_at": datetime_text(row["updated_at"], tz),
    }


def clients_json(rows: Iterable[Mapping]) -> list[dict]:
    tz = timezone.get_current_timezone()
    return [client_json(row, tz) for row in rows]
