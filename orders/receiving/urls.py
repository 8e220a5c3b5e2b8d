"""Receiving: record or correct a shipment's receipt."""

from django.urls import path

from . import views

urlpatterns = [
    path("dock/verify/", views.DockVerifyView.as_view(), name="dock_verify"),
    path("account/orders/<str:po_number>/shipments/<int:shipment_id>/receive/", views.ReceiptView.as_view(), name="receipt"),
]
