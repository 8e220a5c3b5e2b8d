"""Returns: the buyer's request (staff approve or refuse in Django admin)."""

from django.urls import path

from . import views

urlpatterns = [
    path("account/orders/<str:po_number>/return/", views.ReturnRequestView.as_view(), name="return_request"),
]
