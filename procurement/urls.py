from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Procurement operations"
admin.site.site_title = "Procurement admin"
admin.site.index_title = "Support and fulfilment"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("procurement.urls_core")),
    path("account/", include("budgets.urls")),
    path("", include("orders.urls")),
    path("api/v1/", include("orders.api.urls")),
]
