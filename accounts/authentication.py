from functools import cache

from django.core.exceptions import ValidationError
from django.db import connection
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
        jti = token.get(jwt_settings.JTI_CLAIM)
        if "business_id" in token and jwt_settings.USER_ID_CLAIM in token:
            membership = _membership_query().first(
                jti=jti, user_id=token[jwt_settings.USER_ID_CLAIM], business_id=token["business_id"]
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
            self._refuse_revoked(RevokedAccessToken.objects.filter(jti=jti).exists())
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


class _MembershipQuery:
    """The one query of token authentication: the active login's membership in the token's
    business, with the login, the business and the professional, and whether logout revoked the
    token. Its SQL is written once per process: the ORM built the same statement again on every
    request, which was half of the time of an availability answer served from the cache."""

    def __init__(self) -> None:
        related = [Membership._meta.get_field(name).related_model for name in ("user", "business", "professional")]
        self.models = [Membership, *related]
        self.fields = [list(model._meta.concrete_fields) for model in self.models]
        self.attnames = [[field.attname for field in fields] for fields in self.fields]
        # Per model and field, in SELECT order: the column, and what turns its value into Python as
        # the ORM would (the backend's converters, then the field's).
        self.columns = [
            [field.get_col(model._meta.db_table) for field in fields]
            for model, fields in zip(self.models, self.fields, strict=True)
        ]
        self.converters = [
            [connection.ops.get_db_converters(col) + col.get_db_converters(connection) for col in cols]
            for cols in self.columns
        ]
        q = connection.ops.quote_name
        membership, user, business, professional = (q(model._meta.db_table) for model in self.models)
        select = ", ".join(f"{q(col.alias)}.{q(col.target.column)}" for cols in self.columns for col in cols)
        # Table and column names come from the models; every value is a parameter.
        revoked = f"EXISTS(SELECT 1 FROM {q(RevokedAccessToken._meta.db_table)} WHERE {q('jti')} = %s)"  # noqa: S608
        self.sql = " ".join(
            [
                f"SELECT {select}, {revoked} FROM {membership}",  # noqa: S608
                f"JOIN {user} ON {user}.{q('id')} = {membership}.{q('user_id')}",
                f"JOIN {business} ON {business}.{q('id')} = {membership}.{q('business_id')}",
                f"LEFT JOIN {professional} ON {professional}.{q('id')} = {membership}.{q('professional_id')}",
                f"WHERE {membership}.{q('user_id')} = %s AND {membership}.{q('business_id')} = %s",
                f"AND {user}.{q('is_active')}",
            ]
        )
        self.user_id = Membership._meta.get_field("user").target_field
        self.business_id = Membership._meta.get_field("business").target_field

    def first(self, *, jti, user_id, business_id) -> Membership | None:
        """The membership, with `revoked` set, or None."""
        try:
            params = [
                jti or "",
                self.user_id.get_db_prep_value(self.user_id.to_python(user_id), connection),
                self.business_id.get_db_prep_value(self.business_id.to_python(business_id), connection),
            ]
        except ValidationError:
            return None  # not an id: no such membership
        with connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        instances, start = [], 0
        for model, attnames, columns, converters in zip(
            self.models, self.attnames, self.columns, self.converters, strict=True
        ):
            values = [
                _converted(value, column, column_converters)
                for value, column, column_converters in zip(row[start:], columns, converters, strict=False)
            ]
            start += len(columns)
            instances.append(None if values[0] is None else model.from_db(connection.alias, attnames, values))
        membership, user, business, professional = instances
        membership.user, membership.business, membership.professional = user, business, professional
        membership.revoked = bool(row[-1])
        return membership


def _converted(value, column, converters):
    for converter in converters:
        value = converter(value, column, connection)
    return value


@cache
def _membership_query() -> _MembershipQuery:
    return _MembershipQuery()
