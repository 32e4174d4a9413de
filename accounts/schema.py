from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class RevocableJWTScheme(SimpleJWTScheme):
    """Document our JWTAuthentication (simplejwt plus logout revocation) as a bearer scheme."""

    target_class = "accounts.authentication.JWTAuthentication"
    name = "jwtAuth"
