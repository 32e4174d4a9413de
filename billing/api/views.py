from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.permissions import Action
from agendazap.api.views import BusinessAPIView
from billing import selectors, services
from billing.api.serializers import UpgradePlanInputSerializer, UpgradePlanSerializer, UsageSerializer


class UsageView(BusinessAPIView):
    """The plan's limits and what the business has used in the current period."""

    required_action = Action.PLAN_VIEW

    @extend_schema(responses={200: UsageSerializer}, tags=["users"])
    def get(self, request: Request) -> Response:
        return Response(UsageSerializer(selectors.usage_summary(business=request.business)).data)


class UpgradePlanView(BusinessAPIView):
    """Change the plan at once (upgrade or downgrade; a downgrade below current usage is refused)."""

    required_action = Action.PLAN_MANAGE

    @extend_schema(request=UpgradePlanInputSerializer, responses={200: UpgradePlanSerializer}, tags=["users"])
    def post(self, request: Request) -> Response:
        data = UpgradePlanInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        previous = request.business.plan_type
        change = services.plan_change(
            business=request.business, plan_type=data.validated_data["plan_type"], changed_by=request.user
        )
        body = {
            "plan_type": request.business.plan_type,
            "previous_plan_type": previous,
            "changed_at": change.created_at if change else None,
            "usage": selectors.usage_summary(business=request.business),
        }
        return Response(UpgradePlanSerializer(body).data)
