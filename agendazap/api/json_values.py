"""Values written the way the API's serializers write them (docs/api.md), for the list paths that
turn `.values()` rows into JSON by hand instead of building a DRF serializer for every row."""

from datetime import date, datetime, tzinfo
from decimal import Decimal


def datetime_text(value: datetime | None, tz: tzinfo) -> str | None:
    """ISO 8601 in `tz` (the business's zone), `Z` for UTC: DRF's DateTimeField."""
    if value is None:
        return None
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def date_text(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def decimal_number(value: Decimal | None) -> float | None:
    """Money as a JSON number (`COERCE_DECIMAL_TO_STRING` is off), null kept."""
    return None if value is None else float(value)


def uuid_text(value) -> str | None:
    return None if value is None else str(value)
