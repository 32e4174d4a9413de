from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import PermissionDenied
from rest_framework.views import APIView


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


def validated(serializer_class, data, **kwargs) -> dict:
    """Check a request's shape with `serializer_class`; DRF answers 400 with the field errors."""
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
