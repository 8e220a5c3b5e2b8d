from django.urls import path

from .views import shop

urlpatterns: list = [
    path("catalog/", shop.CatalogView.as_view(), name="catalog"),
    path("cart/", shop.CartView.as_view(), name="cart"),
    path("checkout/", shop.CheckoutView.as_view(), name="checkout"),
    path("account/orders/", shop.OrderListView.as_view(), name="order_list"),
    path("account/orders/<str:po_number>/", shop.OrderDetailView.as_view(), name="order_detail"),
    path("account/orders/<str:po_number>/cancel/", shop.OrderCancelView.as_view(), name="order_cancel"),
    path("account/find/", shop.FindView.as_view(), name="find"),
    path("account/approvals/", shop.ApprovalsView.as_view(), name="approvals"),
    path("account/business-settings/po-numbers/", shop.POSettingsView.as_view(), name="po_settings"),
]
