"""Mounted under /account/: group budgets live at business-settings/groups/<group_id>/budgets/..."""

from django.urls import path  # noqa: F401

app_name = "budgets"

urlpatterns: list = []
