from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from agendazap.api.exceptions import validation_error_body
from agendazap.business_cache import minute_answer


# An API view scoped to the authenticated business. Datetimes are written out in the
# business's time zone and naive ones are read in it (docs/api.md), by activating that zone
# for the request. (A comment, not a docstring: the schema would show it on every view.)
class BusinessAPIView(APIView):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not request.business:
            # A login without a business (AgendaZap staff) has no agenda, clients or plan here.
            raise PermissionDenied(_("This login belongs to no business."))
        timezone.activate(ZoneInfo(request.business.timezone))

    def finalize_response(self, request, response, *args, **kwargs):
        timezone.deactivate()
        return super().finalize_response(request, response, *args, **kwargs)


# An answer is shared between requests for a minute (`shared_json`) unless it is a search (free
# text) or its query string is long: what is kept stays bounded whatever a client sends.
SHARED_QUERY_MAX_LENGTH = 200


def shared_json(
    request, name: str, compute: Callable[[datetime], Any], *, scopes: tuple[str, ...], scope_id=""
) -> HttpResponse:
    """The JSON of `compute(as_of)` for this request's business, query string and `scope_id` (whose
    agenda it is limited to, if any): computed once a minute while the business's versions in
    `scopes` stay as they are (agendazap.business_cache.minute_answer), and its bytes given again
    from the cache meanwhile — no serializer, no encoding. An error raised is answered as usual."""
    query = request.META.get("QUERY_STRING", "")
    if "query" in request.query_params or len(query) > SHARED_QUERY_MAX_LENGTH:
        body = JSONRenderer().render(compute(timezone.now()))
    else:
        body = minute_answer(
            request.business.pk,
            f"{name}:{scope_id}:{query}",
            lambda as_of: JSONRenderer().render(compute(as_of)),
            scopes=scopes,
        )
    return HttpResponse(body, content_type="application/json")


def validated(serializer_class, data, *, check: Callable[[dict], object] | None = None, **kwargs) -> dict:
    """Check a request's shape with `serializer_class`; DRF answers 400 with the field errors.

    `check` is the service's validation without the write. With it, a body whose shape is wrong
    still has its well-shaped fields checked by the service's rules, so one 400 lists every error
    (a bad price beside an empty name) instead of one round trip per field.
    """
    serializer = serializer_class(data=data, **kwargs)
    if serializer.is_valid():
        return serializer.validated_data
    if check is None or not isinstance(data, Mapping):
        raise DRFValidationError(serializer.errors)
    errors = dict(serializer.errors)
    try:
        check(_well_shaped(serializer, data, errors))
    except DjangoValidationError as exc:
        for field, messages in validation_error_body(exc).items():
            errors.setdefault(field, messages)
    raise DRFValidationError(errors)


def _well_shaped(serializer, data: Mapping, errors: dict) -> dict:
    """The fields of `data` that passed the serializer, as it would have given them."""
    shaped = {}
    for name, field in serializer.fields.items():
        if name in errors or name not in data or field.read_only:
            continue
        try:
            shaped[name] = field.run_validation(data[name])
        except (DRFValidationError, DjangoValidationError):
            continue
    return shaped
