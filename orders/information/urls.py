"""Business Settings -> Order information, and the checkout's choice search."""

from django.urls import path

from . import views

SETTINGS = "account/business-settings/order-information/"

urlpatterns = [
    path(SETTINGS, views.OrderFieldListView.as_view(), name="order_fields"),
    path(SETTINGS + "new/", views.OrderFieldCreateView.as_view(), name="order_field_create"),
    path(SETTINGS + "<int:field_id>/", views.OrderFieldEditView.as_view(), name="order_field_edit"),
    path(SETTINGS + "<int:field_id>/active/", views.OrderFieldActiveView.as_view(), name="order_field_active"),
    path(SETTINGS + "<int:field_id>/choices/", views.OrderFieldChoicesView.as_view(), name="order_field_choices"),
    path(SETTINGS + "<int:field_id>/choices/active/", views.OrderFieldChoiceActiveView.as_view(), name="order_field_choice_active"),
    path("account/order-information/<int:field_id>/choices/", views.ChoiceSearchView.as_view(), name="order_field_choice_search"),
]
