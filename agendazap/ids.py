import uuid


def as_uuid(value) -> uuid.UUID | None:
    """Return `value` as a UUID, or None when it is not one: a malformed id is "not found", not a 500."""
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None
