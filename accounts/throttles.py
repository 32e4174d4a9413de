from rest_framework.throttling import SimpleRateThrottle

from agendazap.http import client_ip


class RegistrationThrottle(SimpleRateThrottle):
    """Sign-ups per client address (THROTTLE_REGISTER), one budget for the API and the sign-up page.

    DRF's own get_ident trusts any X-Forwarded-For unless NUM_PROXIES is set: client_ip is the
    one place that knows which proxies to trust (TRUSTED_PROXY_COUNT).
    """

    scope = "register"

    def get_ident(self, request) -> str:
        return client_ip(request)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
