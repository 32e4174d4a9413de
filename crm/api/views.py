from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import Action, membership_for, professional_scope, require
from accounts.tenancy import actor
from agendazap.api.pagination import paginate_values
from agendazap.api.views import BusinessAPIView, shared_json, validated
from agendazap.business_cache import AGENDA as AGENDA_VERSION
from agendazap.business_cache import CLIENTS as CLIENTS_VERSION
from agendazap.business_cache import SETUP as SETUP_VERSION
from agendazap.events import Via
from crm import selectors, services
from crm.api.rows import CLIENT_COLUMNS, clients_json
from crm.api.serializers import (
    BulkUpdateInputSerializer,
    BulkUpdateResultSerializer,
    BulkUpdatesSerializer,
    ClientAnalyticsSerializer,
    ClientCreateInputSerializer,
    ClientInputSerializer,
    ClientSerializer,
)
from crm.filters import ORDERING_FIELDS

READ_OR_MANAGE = {
    "GET": Action.CLIENTS_VIEW,
    "POST": Action.CLIENTS_MANAGE,
    "PUT": Action.CLIENTS_MANAGE,
    "PATCH": Action.CLIENTS_MANAGE,
    "DELETE": Action.CLIENTS_MANAGE,
}


def _scope(request: Request):
    return professional_scope(membership_for(request))


class ClientListView(BusinessAPIView):
    """List the business's clients or add one."""

    required_action = READ_OR_MANAGE

    @extend_schema(
        parameters=[
            OpenApiParameter("page", int),
            OpenApiParameter("per_page", int, description="Max 100"),
            OpenApiParameter("query", str, description="Name, email, or 4+ digits of the WhatsApp number"),
            OpenApiParameter("is_active", bool),
            OpenApiParameter("is_vip", bool),
            OpenApiParameter("min_appointments", int),
            OpenApiParameter("tag", str),
            OpenApiParameter("ordering", str, enum=[*ORDERING_FIELDS, *(f"-{field}" for field in ORDERING_FIELDS)]),
        ],
        responses={200: ClientSerializer(many=True)},
        tags=["clients"],
    )
    def get(self, request: Request) -> HttpResponse:
        scope = _scope(request)

        def page(as_of) -> dict:
            clients = selectors.client_list(
                business=request.business, filters=request.query_params, professional_scope=scope
            )
            return paginate_values(
                clients, request.query_params, columns=CLIENT_COLUMNS, key="clients", serialize=clients_json
            )

        return shared_json(
            request,
            "clients",
            page,
            scopes=(SETUP_VERSION, AGENDA_VERSION, CLIENTS_VERSION),
            scope_id=scope.pk if scope else "",
        )

    @extend_schema(request=ClientCreateInputSerializer, responses={201: ClientSerializer}, tags=["clients"])
    def post(self, request: Request) -> Response:
        data = validated(
            ClientCreateInputSerializer,
            request.data,
            check=lambda shaped: services.client_validate(business=request.business, data=shaped),
        )
        client = services.client_create(business=request.business, data=data)
        return Response(ClientSerializer(client).data, status=status.HTTP_201_CREATED)


class ClientDetailView(BusinessAPIView):
    """One client: read, change, deactivate or erase."""

    required_action = READ_OR_MANAGE

    @extend_schema(responses={200: ClientSerializer}, tags=["clients"])
    def get(self, request: Request, client_id) -> Response:
        client = selectors.client_get(
            business=request.business, client_id=client_id, professional_scope=_scope(request)
        )
        return Response(ClientSerializer(client).data)

    @extend_schema(request=ClientInputSerializer, responses={200: ClientSerializer}, tags=["clients"])
    def put(self, request: Request, client_id) -> Response:
        client = selectors.client_get(
            business=request.business, client_id=client_id, professional_scope=_scope(request)
        )
        data = validated(
            ClientInputSerializer,
            request.data,
            check=lambda shaped: services.client_validate(business=request.business, data=shaped, client=client),
        )
        client = services.client_update(client=client, data=data)
        return Response(ClientSerializer(client).data)

    @extend_schema(request=ClientInputSerializer, responses={200: ClientSerializer}, tags=["clients"])
    def patch(self, request: Request, client_id) -> Response:
        return self.put(request, client_id)

    @extend_schema(
        parameters=[
            OpenApiParameter("erase", bool, description="Erase the client's personal data (LGPD); figures stay.")
        ],
        responses={200: ClientSerializer, 204: None},
        tags=["clients"],
        description=(
            "A client without appointments is deleted (204). One with appointments is deactivated (200, "
            "the client). With `?erase=true` the personal data is anonymized (200, the client)."
        ),
    )
    def delete(self, request: Request, client_id) -> Response:
        client = selectors.client_get(
            business=request.business, client_id=client_id, professional_scope=_scope(request)
        )
        erase = request.query_params.get("erase", "").lower() in ("1", "true", "yes")
        if erase:
            # The same method erases with a flag: the erasure's own action is checked here.
            require(membership_for(request), Action.CLIENTS_ERASE)
        outcome = services.client_delete(client=client, actor=actor(request, via=Via.API), erase=erase)
        if outcome == "deleted":
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(ClientSerializer(client).data)


class ClientBulkUpdateView(BusinessAPIView):
    """Apply one change to many clients."""

    required_action = Action.CLIENTS_BULK_UPDATE

    @extend_schema(
        request=BulkUpdateInputSerializer,
        responses={200: BulkUpdateResultSerializer},
        tags=["clients"],
        description=f"`updates` may set: {', '.join(BulkUpdatesSerializer().fields)}. "
        "Any id that is not one of the business's clients makes the whole request a 404.",
    )
    def post(self, request: Request) -> Response:
        data = validated(BulkUpdateInputSerializer, request.data)
        updated = services.client_bulk_update(
            business=request.business, client_ids=data["client_ids"], updates=data["updates"]
        )
        return Response({"updated": updated})


class ClientAnalyticsView(BusinessAPIView):
    """The business's client overview."""

    required_action = Action.FIGURES_VIEW

    @extend_schema(responses={200: ClientAnalyticsSerializer}, tags=["clients"])
    def get(self, request: Request) -> Response:
        return Response(ClientAnalyticsSerializer(selectors.client_analytics(business=request.business)).data)
