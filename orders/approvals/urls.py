"""Approvals."""

from django.urls import path

from . import views

urlpatterns = [
    path("account/approvals/", views.ApprovalsView.as_view(), name="approvals"),
]
