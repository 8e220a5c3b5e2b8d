from django.urls import path

from . import views
from . import integration_views
from .jobs import views as job_views
from .notifications import views as notification_views
from .numbering.views import POSettingsView

app_name = "procurement"

settings = "account/business-settings/"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("health/", views.health, name="health"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("register/", views.RegisterView.as_view(), name="register"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("account/password/changed/", views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password-reset/complete/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("account/", views.AccountView.as_view(), name="account"),
    path("account/jobs/", job_views.JobListView.as_view(), name="job_list"),
    path("account/jobs/<int:job_id>/", job_views.JobDetailView.as_view(), name="job_detail"),
    path("account/jobs/<int:job_id>/status/", job_views.JobStatusView.as_view(), name="job_status"),
    path("account/jobs/<int:job_id>/download/", job_views.JobDownloadView.as_view(), name="job_download"),
    path("account/api-tokens/", integration_views.ApiTokenListView.as_view(), name="api_tokens"),
    path("account/api-tokens/<int:token_id>/revoke/", integration_views.ApiTokenRevokeView.as_view(), name="api_token_revoke"),
    path("account/notifications/", notification_views.NotificationListView.as_view(), name="notifications"),
    path(
        "account/notifications/<int:notification_id>/open/", notification_views.NotificationOpenView.as_view(),
        name="notification_open",
    ),
    path("account/notifications/read-all/", notification_views.NotificationsReadAllView.as_view(), name="notifications_read_all"),
    path("account/notification-settings/", notification_views.NotificationSettingsView.as_view(), name="notification_settings"),
    path(settings, views.BusinessSettingsView.as_view(), name="business_settings"),
    path(f"{settings}company/", views.CompanyView.as_view(), name="company"),
    path(f"{settings}members/", views.MemberListView.as_view(), name="members"),
    path(f"{settings}members/new/", views.MemberAddView.as_view(), name="member_add"),
    path(f"{settings}members/<int:member_id>/", views.MemberEditView.as_view(), name="member_edit"),
    path(f"{settings}groups/", views.GroupListView.as_view(), name="groups"),
    path(f"{settings}groups/new/", views.GroupCreateView.as_view(), name="group_create"),
    path(f"{settings}groups/<int:group_id>/", views.GroupDetailView.as_view(), name="group_detail"),
    path(f"{settings}groups/<int:group_id>/edit/", views.GroupEditView.as_view(), name="group_edit"),
    path(f"{settings}groups/<int:group_id>/members/add/", views.GroupMemberAddView.as_view(), name="group_member_add"),
    path(
        f"{settings}groups/<int:group_id>/members/<int:membership_id>/remove/",
        views.GroupMemberRemoveView.as_view(), name="group_member_remove",
    ),
    path(f"{settings}webhooks/", integration_views.WebhookListView.as_view(), name="webhooks"),
    path(f"{settings}webhooks/<int:endpoint_id>/", integration_views.WebhookEditView.as_view(), name="webhook_edit"),
    path(f"{settings}webhooks/deliveries/", integration_views.WebhookDeliveryListView.as_view(), name="webhook_deliveries"),
    path(
        f"{settings}webhooks/deliveries/<int:delivery_id>/resend/", integration_views.WebhookResendView.as_view(),
        name="webhook_resend",
    ),
    path(f"{settings}po-numbers/", POSettingsView.as_view(), name="po_settings"),
    path(f"{settings}billing-shipping/", views.AddressListView.as_view(), name="addresses"),
    path(f"{settings}billing-shipping/addresses/new/", views.AddressCreateView.as_view(), name="address_create"),
    path(f"{settings}billing-shipping/addresses/<int:address_id>/", views.AddressEditView.as_view(), name="address_edit"),
]
