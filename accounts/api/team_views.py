"""The team API: members and invitations of the business (owner and managers only), and
accepting an invitation (anyone with the link). Rules live in accounts.team."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services, team
from accounts.api.serializers import (
    AcceptInvitationInputSerializer,
    AuthTokensSerializer,
    TeamInviteInputSerializer,
    TeamListSerializer,
    TeamMemberSerializer,
    TeamMemberUpdateInputSerializer,
)
from accounts.api.views import _tokens_response
from accounts.models import Membership
from accounts.permissions import Action, Open
from agendazap.api.views import BusinessAPIView, validated


class TeamAPIView(BusinessAPIView):
    required_action = Action.TEAM_MANAGE


def _row(source) -> dict:
    return TeamMemberSerializer(team.team_row(source)).data


class TeamMembersView(TeamAPIView):
    """The team: active members and pending invitations; inviting someone."""

    @extend_schema(responses={200: TeamListSerializer}, tags=["team"], operation_id="team_members_list")
    def get(self, request: Request) -> Response:
        return Response(TeamListSerializer({"members": team.team_list(business=request.business)}).data)

    @extend_schema(request=TeamInviteInputSerializer, responses={201: TeamMemberSerializer}, tags=["team"])
    def post(self, request: Request) -> Response:
        data = validated(
            TeamInviteInputSerializer,
            request.data,
            check=lambda shaped: team.invitation_validate(
                business=request.business,
                email=shaped.get("email"),
                role=shaped.get("role"),
                professional_id=shaped.get("professional_id"),
            ),
        )
        invitation = team.invitation_create(business=request.business, invited_by=request.user, **data)
        return Response(_row(invitation), status=status.HTTP_201_CREATED)


class TeamMemberDetailView(TeamAPIView):
    """A member (its number) or a pending invitation (its UUID): read, change the role, remove or revoke."""

    @extend_schema(responses={200: TeamMemberSerializer}, tags=["team"])
    def get(self, request: Request, member_id: str) -> Response:
        return Response(_row(team.team_member_get(business=request.business, member_id=member_id)))

    @extend_schema(request=TeamMemberUpdateInputSerializer, responses={200: TeamMemberSerializer}, tags=["team"])
    def patch(self, request: Request, member_id: str) -> Response:
        data = validated(TeamMemberUpdateInputSerializer, request.data)
        row = team.team_member_get(business=request.business, member_id=member_id)
        if isinstance(row, Membership):
            row = team.member_update(business=request.business, membership_id=row.pk, by=request.user, **data)
        else:
            row = team.invitation_update(business=request.business, invitation_id=row.pk, by=request.user, **data)
        return Response(_row(row))

    @extend_schema(responses={204: None}, tags=["team"])
    def delete(self, request: Request, member_id: str) -> Response:
        row = team.team_member_get(business=request.business, member_id=member_id)
        if isinstance(row, Membership):
            team.member_remove(business=request.business, membership_id=row.pk, by=request.user)
        else:
            team.invitation_revoke(business=request.business, invitation_id=row.pk, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TeamMemberResendView(TeamAPIView):
    @extend_schema(request=None, responses={200: TeamMemberSerializer}, tags=["team"])
    def post(self, request: Request, member_id: str) -> Response:
        invitation = team.invitation_resend(business=request.business, invitation_id=member_id, by=request.user)
        return Response(_row(invitation))


class TeamOwnershipView(TeamAPIView):
    """Make this member the owner; the owner who gives it away stays as a manager."""

    required_action = Action.OWNERSHIP_TRANSFER

    @extend_schema(request=None, responses={200: TeamMemberSerializer}, tags=["team"])
    def post(self, request: Request, member_id: str) -> Response:
        membership = team.ownership_transfer(business=request.business, to_membership_id=member_id, by=request.user)
        return Response(_row(membership))


class AcceptInvitationView(APIView):
    permission_classes = [AllowAny]
    required_action = Open.PUBLIC
    authentication_classes: list = []

    @extend_schema(request=AcceptInvitationInputSerializer, responses={200: AuthTokensSerializer}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = validated(AcceptInvitationInputSerializer, request.data)
        membership = team.invitation_accept(token=data["token"], password=data["password"])
        return _tokens_response(membership.user, services.tokens_issue(user=membership.user))
