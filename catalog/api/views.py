from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import Action
from agendazap.api.pagination import paginate
from agendazap.api.views import BusinessAPIView, validated
from catalog import selectors, services
from catalog.api.serializers import (
    CategoryCreateInputSerializer,
    CategoryInputSerializer,
    CategorySerializer,
    ServiceCreateInputSerializer,
    ServiceInputSerializer,
    ServiceInUseSerializer,
    ServicePageSerializer,
    ServiceSerializer,
    ServiceStatsSerializer,
)

TAGS = ["services"]
READ_OR_MANAGE = {
    "GET": Action.SERVICES_VIEW,
    "POST": Action.SERVICES_MANAGE,
    "PUT": Action.SERVICES_MANAGE,
    "PATCH": Action.SERVICES_MANAGE,
    "DELETE": Action.SERVICES_MANAGE,
}
LIST_PARAMS = [
    OpenApiParameter("page", int, description="1-based page number; a page past the end is empty."),
    OpenApiParameter("per_page", int, description="Rows per page (default 20, max 100)."),
    OpenApiParameter("query", str, description="Text found in the name or the description."),
    OpenApiParameter("category_id", str, description="UUID of one of your categories."),
    OpenApiParameter("is_active", bool, description="true: bookable services; false: deactivated ones."),
    OpenApiParameter("min_price", float, description="Price at least this."),
    OpenApiParameter("max_price", float, description="Price at most this."),
]


def _service_body(request: Request, service) -> dict:
    # Read back through the selector: one shape (category name, professional ids) for every answer.
    return ServiceSerializer(selectors.service_get(business=request.business, service_id=service.pk)).data


class ServiceListView(BusinessAPIView):
    """List your services (archived ones never appear) or create one."""

    required_action = READ_OR_MANAGE

    @extend_schema(
        operation_id="services_list", parameters=LIST_PARAMS, responses={200: ServicePageSerializer}, tags=TAGS
    )
    def get(self, request: Request) -> Response:
        found = selectors.service_list(business=request.business, filters=request.query_params)
        return Response(
            paginate(
                found,
                request.query_params,
                key="services",
                serialize=lambda rows: ServiceSerializer(rows, many=True).data,
            )
        )

    @extend_schema(request=ServiceCreateInputSerializer, responses={201: ServiceSerializer}, tags=TAGS)
    def post(self, request: Request) -> Response:
        data = validated(
            ServiceCreateInputSerializer,
            request.data,
            check=lambda shaped: services.service_validate(business=request.business, data=shaped, creating=True),
        )
        service = services.service_create(business=request.business, data=data)
        return Response(_service_body(request, service), status=status.HTTP_201_CREATED)


class ServiceDetailView(BusinessAPIView):
    """One of your services. PUT and PATCH both take a partial body."""

    required_action = READ_OR_MANAGE

    @extend_schema(responses={200: ServiceSerializer}, tags=TAGS)
    def get(self, request: Request, service_id) -> Response:
        return Response(ServiceSerializer(selectors.service_get(business=request.business, service_id=service_id)).data)

    @extend_schema(request=ServiceInputSerializer, responses={200: ServiceSerializer}, tags=TAGS)
    def put(self, request: Request, service_id) -> Response:
        service = selectors.service_get(business=request.business, service_id=service_id)
        data = validated(
            ServiceInputSerializer,
            request.data,
            check=lambda shaped: services.service_validate(business=request.business, data=shaped, creating=False),
        )
        service = services.service_update(service=service, data=data)
        return Response(_service_body(request, service))

    @extend_schema(request=ServiceInputSerializer, responses={200: ServiceSerializer}, tags=TAGS)
    def patch(self, request: Request, service_id) -> Response:
        return self.put(request, service_id)

    @extend_schema(
        responses={
            204: OpenApiResponse(description="Deleted, or archived when it has past appointments."),
            400: OpenApiResponse(ServiceInUseSerializer, description="It has upcoming appointments."),
        },
        tags=TAGS,
        description=(
            "Delete the service. With only past appointments it is deactivated and hidden instead (history "
            "stays); with upcoming pending or confirmed appointments the delete is refused."
        ),
    )
    def delete(self, request: Request, service_id) -> Response:
        service = selectors.service_get(business=request.business, service_id=service_id)
        services.service_delete(service=service)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ServiceStatsView(BusinessAPIView):
    """Figures per service."""

    required_action = Action.FIGURES_VIEW

    @extend_schema(
        responses={200: ServiceStatsSerializer},
        tags=TAGS,
        description="All-time figures per service (archived ones included) and for the business.",
    )
    def get(self, request: Request) -> Response:
        return Response(ServiceStatsSerializer(selectors.service_stats(business=request.business)).data)


class CategoryListView(BusinessAPIView):
    """Your service categories."""

    required_action = READ_OR_MANAGE

    @extend_schema(
        operation_id="services_categories_list",
        responses={200: CategorySerializer(many=True)},
        tags=TAGS,
        description="All your categories, by name, as a plain list (not paginated).",
    )
    def get(self, request: Request) -> Response:
        return Response(CategorySerializer(selectors.category_list(business=request.business), many=True).data)

    @extend_schema(request=CategoryCreateInputSerializer, responses={201: CategorySerializer}, tags=TAGS)
    def post(self, request: Request) -> Response:
        data = validated(CategoryCreateInputSerializer, request.data)
        category = services.category_create(business=request.business, data=data)
        category = selectors.category_get(business=request.business, category_id=category.pk)
        return Response(CategorySerializer(category).data, status=status.HTTP_201_CREATED)


class CategoryDetailView(BusinessAPIView):
    """One of your service categories. PUT and PATCH both take a partial body."""

    required_action = READ_OR_MANAGE

    @extend_schema(responses={200: CategorySerializer}, tags=TAGS)
    def get(self, request: Request, category_id) -> Response:
        return Response(
            CategorySerializer(selectors.category_get(business=request.business, category_id=category_id)).data
        )

    @extend_schema(request=CategoryInputSerializer, responses={200: CategorySerializer}, tags=TAGS)
    def put(self, request: Request, category_id) -> Response:
        category = selectors.category_get(business=request.business, category_id=category_id)
        data = validated(CategoryInputSerializer, request.data)
        category = services.category_update(category=category, data=data)
        category = selectors.category_get(business=request.business, category_id=category.pk)
        return Response(CategorySerializer(category).data)

    @extend_schema(request=CategoryInputSerializer, responses={200: CategorySerializer}, tags=TAGS)
    def patch(self, request: Request, category_id) -> Response:
        return self.put(request, category_id)

    @extend_schema(
        responses={204: None},
        tags=TAGS,
        description="Delete the category; its services stay, without a category.",
    )
    def delete(self, request: Request, category_id) -> Response:
        category = selectors.category_get(business=request.business, category_id=category_id)
        services.category_delete(category=category)
        return Response(status=status.HTTP_204_NO_CONTENT)
