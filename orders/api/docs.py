"""The browsable docs: Swagger UI from our own static files (drf-spectacular-sidecar), no inline script
or style (the split view loads its start-up script from a URL; the page's CSS is a static file), so the
site's CSP (script-src/style-src 'self') holds unchanged."""

from drf_spectacular.views import SpectacularSwaggerSplitView


class SwaggerDocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    authentication_classes = []
    permission_classes = []
    throttle_classes = []
    title = "Procurement API"
