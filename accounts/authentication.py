from django.db.models import Exists
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt import authentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from accounts.models import Membership, RevokedAccessToken
from accounts.tenancy import membership_for, working_in

# The password's version the token was issued at (accounts.models.User.password_version).
PASSWORD_VERSION_CLAIM = "password_version"  # noqa: S105 - a claim's name, not a secret


def password_changed_since(token, user) -> bool:
    """Whether the login's password changed after `token` was issued. A token without the claim
    (issued before tokens carried it) counts as version 0, so the first change ends it too."""
    return token.get(PASSWORD_VERSION_CLAIM, 0) != user.password_version


class JWTAuthentication(authentication.JWTAuthentication):
    """simplejwt's bearer authentication that also refuses access tokens ended by logout, and
    sets the business the token was issued for (`accounts.tenancy`).

    A token issued for a business is checked in one query, read fresh on every request (no
    cache to fall behind): the login active, its membership there with the token's role, the
    password unchanged since the token was issued, and the token not revoked by logout. Removal,
    a role change, deactivation, a password change and logout so take effect on the very next
    request.
    """

    def authenticate(self, request):
        header = self.get_header(request)
        raw_token = self.get_raw_token(header) if header is not None else None
        if raw_token is None:
            return None
        token = self.get_validated_token(raw_token)
        revoked = RevokedAccessToken.objects.filter(jti=token.get(jwt_settings.JTI_CLAIM))
        if "business_id" in token and jwt_settings.USER_ID_CLAIM in token:
            membership = (
                Membership.objects.filter(
                    user_id=token[jwt_settings.USER_ID_CLAIM], business_id=token["business_id"], user__is_active=True
                )
                .select_related("user", "business", "professional")
                .annotate(revoked=Exists(revoked))
                .first()
            )
            if membership is None or membership.role != token.get("role"):
                # The login is gone or inactive, or it was removed from the business, or its
                # role changed since the token was issued: say which, as the slower path would.
                self.get_user(token)
                raise AuthenticationFailed(_("This session has ended. Log in again."), code="membership_changed")
            user = membership.user
            self._refuse_after_password_change(token, user)
            self._refuse_revoked(membership.revoked)
        else:
            # A login of no business (AgendaZap staff), or a token without a login (refused by
            # get_user): rare, so read as before.
            user = self.get_user(token)
            self._refuse_after_password_change(token, user)
            self._refuse_revoked(revoked.exists())
            membership = membership_for(user)
        working_in(request._request, membership)
        return user, token

    @staticmethod
    def _refuse_after_password_change(token, user) -> None:
        if password_changed_since(token, user):
            raise InvalidToken({"detail": _("This session has ended. Log in again."), "code": "password_changed"})

    @staticmethod
    def _refuse_revoked(revoked: bool) -> None:
        if revoked:
            raise InvalidToken({"detail": _("This session has ended. Log in again."), "code": "token_revoked"})
