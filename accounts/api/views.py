from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.api.serializers import (
    AuthTokensSerializer,
    BusinessMembershipSerializer,
    InfoMessageSerializer,
    LoginInputSerializer,
    ProfileSerializer,
    ProfileUpdateInputSerializer,
    RefreshTokenInputSerializer,
    RegisterInputSerializer,
    SwitchBusinessInputSerializer,
    VerifyEmailInputSerializer,
)
from accounts.permissions import Action, Open, membership_for, require
from accounts.tenancy import memberships_of
from accounts.throttles import RegistrationThrottle
from agendazap.api.views import validated
from agendazap.http import client_ip


def _tokens_response(user, tokens: dict, *, status_code: int = status.HTTP_200_OK, membership=None) -> Response:
    body = {
        "user": ProfileSerializer(services.profile_get(user=user, membership=membership)).data,
        "businesses": BusinessMembershipSerializer(memberships_of(user), many=True).data,
        **tokens,
    }
    return Response(body, status=status_code)


class RegisterView(APIView):
    required_action = Open.PUBLIC
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = [RegistrationThrottle]

    @extend_schema(request=RegisterInputSerializer, responses={201: AuthTokensSerializer}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = validated(
            RegisterInputSerializer,
            request.data,
            check=lambda shaped: services.user_register_validate(
                email=shaped.get("email"),
                password=shaped.get("password"),
                template_type=shaped.get("template_type"),
                whatsapp_number=shaped.get("whatsapp_number"),
            ),
        )
        user = services.user_register(**data)
        return _tokens_response(user, services.tokens_issue(user=user), status_code=status.HTTP_201_CREATED)


class LoginView(APIView):
    required_action = Open.PUBLIC
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=LoginInputSerializer, responses={200: AuthTokensSerializer}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = LoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.login_authenticate(**data.validated_data, ip_address=client_ip(request))
        return _tokens_response(user, services.tokens_issue(user=user))


class RefreshView(APIView):
    required_action = Open.PUBLIC
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=RefreshTokenInputSerializer, responses={200: AuthTokensSerializer}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = RefreshTokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user, tokens = services.tokens_refresh(refresh_token=data.validated_data["refresh_token"])
        return _tokens_response(user, tokens)


class LogoutView(APIView):
    required_action = Open.LOGIN

    @extend_schema(request=RefreshTokenInputSerializer, responses={200: InfoMessageSerializer}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = RefreshTokenInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.tokens_revoke(
            user=request.user, refresh_token=data.validated_data["refresh_token"], access_token=request.auth
        )
        return Response({"message": _("Logged out.")})


class VerifyEmailView(APIView):
    required_action = Open.PUBLIC
    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=VerifyEmailInputSerializer, responses={200: ProfileSerializer}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = VerifyEmailInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.email_verify(token=data.validated_data["token"])
        return Response(ProfileSerializer(services.profile_get(user=user)).data)


class ResendVerificationView(APIView):
    required_action = Open.LOGIN

    @extend_schema(request=None, responses={200: InfoMessageSerializer}, tags=["auth"])
    def post(self, request: Request) -> Response:
        if request.user.is_verified:
            return Response({"message": _("Your email is already verified.")})
        services.email_verification_resend(user=request.user)
        return Response({"message": _("We sent a new confirmation link to your email.")})


class SwitchBusinessView(APIView):
    """Tokens for another business of the login (404 for a business it does not belong to)."""

    required_action = Open.LOGIN

    @extend_schema(request=SwitchBusinessInputSerializer, responses={200: AuthTokensSerializer}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = validated(SwitchBusinessInputSerializer, request.data)
        membership = services.business_switch(user=request.user, business_id=data["business_id"])
        return _tokens_response(
            request.user, services.tokens_issue(user=request.user, membership=membership), membership=membership
        )


class ProfileView(APIView):
    # The login's own email, whatever its role; the business's details need settings.manage (below).
    required_action = Open.LOGIN

    @extend_schema(responses={200: ProfileSerializer}, tags=["users"])
    def get(self, request: Request) -> Response:
        return Response(ProfileSerializer(services.profile_get(user=request.user, membership=request.membership)).data)

    @extend_schema(request=ProfileUpdateInputSerializer, responses={200: ProfileSerializer}, tags=["users"])
    def put(self, request: Request) -> Response:
        data = ProfileUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if request.business and set(data.validated_data) & set(services.PROFILE_BUSINESS_FIELDS):
            require(membership_for(request), Action.SETTINGS_MANAGE)
        profile = services.user_profile_update(user=request.user, data=data.validated_data)
        return Response(ProfileSerializer(profile).data)

    @extend_schema(request=ProfileUpdateInputSerializer, responses={200: ProfileSerializer}, tags=["users"])
    def patch(self, request: Request) -> Response:
        return self.put(request)
