"""Per-token rate limits: every token has its own bucket (REST_FRAMEWORK DEFAULT_THROTTLE_RATES["token"])."""

from rest_framework.throttling import SimpleRateThrottle

from procurement.models import ApiToken


class TokenRateThrottle(SimpleRateThrottle):
    scope = "token"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
