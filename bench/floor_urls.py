"""The floor's one view: one ORM query (a unique-index lookup), a small JSON answer."""

from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest, JsonResponse
from django.urls import path


def one_query(request: HttpRequest) -> JsonResponse:
    # filter() rather than get_for_model(): the latter is cached per process and would run no query.
    row = ContentType.objects.filter(app_label="scheduling", model="appointment").values("id", "model").first()
    return JsonResponse({"status": "ok", "row": row})


urlpatterns = [path("floor", one_query)]
