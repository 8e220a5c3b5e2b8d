"""Response headers for every page: Permissions-Policy, and no caching of anything a signed-in member sees.

The Content-Security-Policy comes from django-csp (settings.CONTENT_SECURITY_POLICY).
"""

from django.conf import settings


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """`{"camera": [], "fullscreen": ["self"]}` -> `camera=(), fullscreen=(self)`."""
    return ", ".join(f"{feature}=({' '.join(origins)})" for feature, origins in policy.items())


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; `Cache-Control: private, no-store` on every response to a
    signed-in user (pages, documents, PDFs, exports), unless the view set its own Cache-Control.

    Sits after AuthenticationMiddleware (it reads request.user). Static files never reach it: WhiteNoise
    answers them earlier, with their own long-lived caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.permissions_policy = permissions_policy_header(settings.PERMISSIONS_POLICY)

    def __call__(self, request):
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "private, no-store"
        return response
