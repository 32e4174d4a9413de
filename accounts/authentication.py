from django.db.models import Exists
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from accounts.models import Membership, RevokedAccessToken
from accounts.tenancy import membership_for, working_in


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's bearer authentication that also refuses access tokens ended by logout, and
    sets the business the token was issued for (`accounts.tenancy`).

    A token issued for a business is checked in one query, read fresh on every request (no
    cache to fall behind): the login active, its membership there with the token's role, and the
    token not revoked by logout. Removal, a role change, deactivation and logout so take effect
    on the very next request.
    """

    def authenticate(self, request):
        header = self.get_header(request)
        raw_token = self.get_raw_token(header) if header is not None else None
        if raw_token is None:
            return None
        token = self.get_validated_token(raw_token)
        revoked = RevokedAccessToken.objects.filter(jti=token.get(jwt_settings.JTI_CLAIM))
        if "business_id" in token and jwt_settings.USER_ID_CLAIM in token:
            # One membership per login and business at most: sliced, not first(), so the
            # query has no ORDER BY to compile and sort.
            found = list(
                Membership.objects.filter(
                    user_id=token[jwt_settings.USER_ID_CLAIM], business_id=token["business_id"], user__is_active=True
                )
                .select_related("user", "business", "professional")
                .annotate(revoked=Exists(revoked))[:1]
            )
            membership = found[0] if found else None
            if membership is None or membership.role != token.get("role"):
                # The login is gone or inactive, or it was removed from the business, or its
                # role changed since the token was issued: say which, as the slower path would.
                self.get_user(token)
                raise AuthenticationFailed(_("This session has ended. Log in again."), code="membership_changed")
            self._refuse_revoked(membership.revoked)
            user = membership.user
        else:
            # A login of no business (AgendaZap staff), or a token without a login (refused by
            # get_user): rare, so read as before.
            user = self.get_user(token)
            self._refuse_revoked(revoked.exists())
            membership = membership_for(user)
        working_in(request._request, membership)
        return user, token

    @staticmethod
    def _refuse_revoked(revoked: bool) -> None:
        if revoked:
            raise InvalidToken({"detail": _("This session has ended. Log in again."), "code": "token_revoked"})
