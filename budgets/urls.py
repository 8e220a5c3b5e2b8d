"""Mounted under /account/business-settings/groups/<group_id>/budgets/."""

from django.urls import path

app_name = "budgets"

urlpatterns: list = []
