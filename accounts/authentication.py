from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from accounts.models import RevokedAccessToken
from accounts.tenancy import membership_for, working_in


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's bearer authentication that also refuses access tokens ended by logout, and
    sets the business the token was issued for (`accounts.tenancy`)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        user, token = result
        membership = membership_for(user, business_id=token.get("business_id"))
        if "business_id" in token and (membership is None or membership.role != token.get("role")):
            # Removed from the business, or its role changed since the token was issued.
            raise AuthenticationFailed(_("This session has ended. Log in again."), code="membership_changed")
        working_in(request._request, membership)
        return result

    def get_validated_token(self, raw_token):
        token = super().get_validated_token(raw_token)
        if RevokedAccessToken.objects.filter(jti=token.get(jwt_settings.JTI_CLAIM)).exists():
            raise InvalidToken({"detail": _("This session has ended. Log in again."), "code": "token_revoked"})
        return token
