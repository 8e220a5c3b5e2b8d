"""Catalog and cart."""

from django.urls import path

from . import views

urlpatterns = [
    path("catalog/", views.CatalogView.as_view(), name="catalog"),
    path("cart/", views.CartView.as_view(), name="cart"),
]
