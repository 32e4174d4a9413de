"""Catalog writes: a business's services and their categories.

Both the HTML views and the API views call these functions. They validate what they are given
against the business's template (a `service_table` business prices every service and records
no credentials; a `consultation` business may leave the price empty and record credentials),
raise `ValidationError` with field keys for bad input, and `ServiceInUse` when a delete must be
refused. `service_create` is the one way a service comes to exist (the plan limit is checked there).
"""

from collections.abc import Callable, Iterable
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import Business, TemplateType
from agendazap.errors import DomainError
from agendazap.events import AppointmentStatus
from agendazap.ids import as_uuid
from billing.models import Resource
from billing.services import plan_check
from catalog.models import MAX_DURATION_MINUTES, Service, ServiceCategory

MAX_PRICE = Decimal("99999999.99")  # Service.price is DecimalField(max_digits=10, decimal_places=2)
MAX_IMAGES = 20
MAX_URL_LENGTH = 2000
UPCOMING_STATUSES = (AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED)


class ServiceInUse(DomainError):
    """A service with upcoming appointments cannot be deleted (400, with how many)."""

    status_code = 400
    default_detail = gettext_lazy("This service has upcoming appointments.")


class ServiceDeletion(StrEnum):
    DELETED = "deleted"
    ARCHIVED = "archived"


# --- Services ------------------------------------------------------------------------------------
@transaction.atomic
def service_create(*, business: Business, data: dict[str, Any]) -> Service:
    """Create a service; `professional_ids` empty or absent means everybody performs it."""
    values, professionals = _service_values(business, data, creating=True)
    if values.get("is_active", True):
        plan_check(business=business, resource=Resource.SERVICES)
    service = Service(business=business, **values)
    service.save()
    if professionals:
        service.professionals.set(professionals)
    return service


@transaction.atomic
def service_update(*, service: Service, data: dict[str, Any]) -> Service:
    """Apply a partial update: only the keys present in `data` change."""
    values, professionals = _service_values(service.business, data, creating=False)
    if values.get("is_active") and not service.is_active:
        plan_check(business=service.business, resource=Resource.SERVICES)
    for field, value in values.items():
        setattr(service, field, value)
    if values:
        service.save(update_fields=[*values, "updated_at"])
    if professionals is not None:
        service.professionals.set(professionals)
    return service


def service_validate(*, business: Business, data: dict[str, Any], creating: bool) -> None:
    """Check `data` as `service_create` (creating) or `service_update` would, writing nothing."""
    _service_values(business, data, creating=creating)


@transaction.atomic
def service_delete(*, service: Service, now: datetime | None = None) -> ServiceDeletion:
    """Delete a service nobody booked; archive one with history; refuse one with upcoming bookings.

    Archiving deactivates and hides the service while its past appointments keep pointing at it.
    """
    now = now or timezone.now()
    # Bookings lock the service row too: none can slip in between this check and the archive.
    Service.objects.select_for_update().filter(pk=service.pk).first()
    upcoming = service.appointments.filter(status__in=UPCOMING_STATUSES, start_time__gte=now).count()
    if upcoming:
        raise _in_use(upcoming)
    if service.appointments.exists():
        service.is_active = False
        service.archived_at = now
        service.save(update_fields=["is_active", "archived_at", "updated_at"])
        return ServiceDeletion.ARCHIVED
    try:
        with transaction.atomic():
            service.delete()
    except (ProtectedError, IntegrityError):
        # A booking arrived between the check and the delete.
        raise _in_use(service.appointments.count()) from None
    return ServiceDeletion.DELETED


def _in_use(upcoming: int) -> ServiceInUse:
    return ServiceInUse(
        ngettext(
            "This service has %(count)d upcoming appointment. Cancel or move it first, "
            "or deactivate the service instead.",
            "This service has %(count)d upcoming appointments. Cancel or move them first, "
            "or deactivate the service instead.",
            upcoming,
        )
        % {"count": upcoming},
        upcoming_appointments=upcoming,
    )


def _service_values(business: Business, data: dict[str, Any], *, creating: bool) -> tuple[dict[str, Any], list | None]:
    """Validate the keys of `data` that are present; return model values and the professionals (or None)."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    is_table = business.template_type == TemplateType.SERVICE_TABLE

    def clean(field: str, cleaner: Callable[[Any], Any], *, target: str | None = None) -> None:
        if field not in data:
            return
        try:
            values[target or field] = cleaner(data[field])
        except ValidationError as exc:
            errors[field] = exc.messages

    clean("name", _clean_name)
    clean("description", lambda value: "" if value is None else str(value).strip())
    clean("duration", _clean_duration)
    clean("price", _clean_price)
    clean("category_id", lambda value: _owner_category(business, value), target="category")
    clean("is_active", _clean_bool)
    clean("images", _clean_images)
    clean("credentials", _clean_object)
    clean("promotions", _clean_promotions)
    clean("custom_fields", _clean_object)

    if creating:
        for field in ("name", "duration"):
            if field not in data:
                errors.setdefault(field, [_("This field is required.")])
    if is_table and "price" not in errors and (values.get("price") is None) and (creating or "price" in data):
        errors["price"] = [_("A business with a service table must set a price (0 or more).")]
    if is_table and values.get("credentials"):
        errors.setdefault("credentials", [_("Only consultation businesses record credentials.")])
    if "credentials" in values and not values["credentials"]:
        values["credentials"] = None

    professionals = None
    if "professional_ids" in data:
        try:
            professionals = _owner_professionals(business, data["professional_ids"])
        except ValidationError as exc:
            errors["professional_ids"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return values, professionals


def _clean_name(value: Any) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not name:
        raise ValidationError(_("This field is required."))
    if len(name) > 255:
        raise ValidationError(_("At most %(max)d characters.") % {"max": 255})
    return name


def _clean_duration(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_DURATION_MINUTES:
        raise ValidationError(
            _("Must be a whole number of minutes between 1 and %(max)d.") % {"max": MAX_DURATION_MINUTES}
        )
    return value


def _clean_price(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValidationError(_("Enter a number."))
    try:
        price = Decimal(str(value))
    except InvalidOperation:
        raise ValidationError(_("Enter a number.")) from None
    if not price.is_finite():
        raise ValidationError(_("Enter a number."))
    if price < 0:
        raise ValidationError(_("Must be zero or more."))
    if price > MAX_PRICE:
        raise ValidationError(_("Must be at most %(max)s.") % {"max": MAX_PRICE})
    if price != price.quantize(Decimal("0.01")):
        raise ValidationError(_("At most 2 decimal places."))
    return price.quantize(Decimal("0.01"))


def _clean_bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(_("Use true or false."))
    return value


def _clean_images(value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValidationError(_("Must be a list of image URLs."))
    if len(value) > MAX_IMAGES:
        raise ValidationError(_("At most %(max)d images.") % {"max": MAX_IMAGES})
    validate_url = URLValidator(schemes=["http", "https"])
    images = []
    for position, url in enumerate(value, start=1):
        try:
            if not isinstance(url, str) or len(url) > MAX_URL_LENGTH:
                raise ValidationError("")
            validate_url(url.strip())
        except ValidationError:
            raise ValidationError(
                _("Image %(position)d is not a valid http(s) URL.") % {"position": position}
            ) from None
        images.append(url.strip())
    return images


def _clean_object(value: Any) -> dict | None:
    if value is not None and not isinstance(value, dict):
        raise ValidationError(_("Must be a JSON object."))
    return value


def _clean_promotions(value: Any) -> dict | list | None:
    if value is not None and not isinstance(value, dict | list):
        raise ValidationError(_("Must be a JSON object or list."))
    return value


def _owner_category(business: Business, category_id: Any) -> ServiceCategory | None:
    if category_id in (None, ""):
        return None
    category = ServiceCategory.objects.filter(business=business, pk=as_uuid(category_id)).first()
    if category is None:
        raise ValidationError(_("Unknown category."))
    return category


def _owner_professionals(business: Business, professional_ids: Any) -> list:
    """The business's professionals named by id (scheduling's rows, reached through the business)."""
    if professional_ids is None:
        return []
    if not isinstance(professional_ids, list | tuple):
        raise ValidationError(_("Must be a list of professional ids."))
    ids = {as_uuid(professional_id) for professional_id in professional_ids}
    professionals = list(business.professionals.filter(pk__in=[pk for pk in ids if pk]))
    if len(professionals) != len(ids):
        raise ValidationError(_("Unknown professional."))
    return professionals


# --- Categories -----------------------------------------------------------------------------------
@transaction.atomic
def category_create(*, business: Business, data: dict[str, Any]) -> ServiceCategory:
    category = ServiceCategory(business=business)
    _apply_category(category, data, creating=True)
    _save_category(category, fields=None)
    return category


@transaction.atomic
def category_update(*, category: ServiceCategory, data: dict[str, Any]) -> ServiceCategory:
    fields = _apply_category(category, data, creating=False)
    if fields:
        _save_category(category, fields=[*fields, "updated_at"])
    return category


@transaction.atomic
def category_delete(*, category: ServiceCategory) -> None:
    """Delete a category; its services stay, uncategorized."""
    category.delete()


def _apply_category(category: ServiceCategory, data: dict[str, Any], *, creating: bool) -> list[str]:
    errors: dict[str, list[str]] = {}
    changed: list[str] = []
    if "name" in data or creating:
        name = data.get("name")
        name = name.strip() if isinstance(name, str) else ""
        if not name:
            errors["name"] = [_("This field is required.")]
        elif len(name) > 100:
            errors["name"] = [_("At most %(max)d characters.") % {"max": 100}]
        elif _category_name_taken(category, name):
            errors["name"] = [_("You already have a category with this name.")]
        else:
            category.name = name
            changed.append("name")
    if "description" in data:
        category.description = "" if data["description"] is None else str(data["description"]).strip()
        changed.append("description")
    if errors:
        raise ValidationError(errors)
    return changed


def _category_name_taken(category: ServiceCategory, name: str) -> bool:
    return (
        ServiceCategory.objects.filter(business=category.business, name__iexact=name).exclude(pk=category.pk).exists()
    )


def _save_category(category: ServiceCategory, *, fields: Iterable[str] | None) -> None:
    try:
        with transaction.atomic():
            category.save(update_fields=fields)
    except IntegrityError as exc:
        # Two requests naming a category alike at the same instant: the unique index decides.
        raise ValidationError({"name": [_("You already have a category with this name.")]}) from exc
