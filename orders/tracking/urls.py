"""Your Orders, the order page, Find by PO number."""

from django.urls import path

from . import views

urlpatterns = [
    path("account/orders/", views.OrderListView.as_view(), name="order_list"),
    path("account/orders/<str:po_number>/", views.OrderDetailView.as_view(), name="order_detail"),
    path("account/orders/<str:po_number>/cancel/", views.OrderCancelView.as_view(), name="order_cancel"),
    path("account/find/", views.FindView.as_view(), name="find"),
]
