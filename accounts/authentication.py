from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from accounts.models import RevokedAccessToken
from accounts.tenancy import business_for


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's bearer authentication that also refuses access tokens ended by logout, and
    sets the business the request works in (the middleware's guess ran before the token was read)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            request._request.business = business_for(result[0])
        return result

    def get_validated_token(self, raw_token):
        token = super().get_validated_token(raw_token)
        if RevokedAccessToken.objects.filter(jti=token.get(jwt_settings.JTI_CLAIM)).exists():
            raise InvalidToken({"detail": _("This session has ended. Log in again."), "code": "token_revoked"})
        return token
