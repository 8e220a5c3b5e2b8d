"""The bell's list, opening a notification (POST: mark read, go to its page) and notification settings."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.generic import FormView, TemplateView, View

from procurement.errors import ApplicationError, error_to_form
from procurement.tenancy import MemberRequiredMixin

from .forms import NotificationPreferencesForm
from .selectors import notifications_of, preferences_of
from .services import notification_open, notification_preferences_update, notifications_mark_all_read

PAGE_SIZE = 25


class NotificationListView(MemberRequiredMixin, TemplateView):
    """Your notifications, newest first, unread ones marked; 25 a page."""

    template_name = "procurement/notification_list.html"

    def get_context_data(self, **kwargs):
        page = Paginator(notifications_of(member=self.member), PAGE_SIZE).get_page(self.request.GET.get("page"))
        return super().get_context_data(page_obj=page, notifications=page.object_list, **kwargs)


class ListOnGetMixin:
    """These URLs act by POST only; a GET (a pasted or crawled link) shows the list and changes nothing."""

    def get(self, request, *args, **kwargs):
        return redirect("procurement:notifications")


class NotificationOpenView(ListOnGetMixin, MemberRequiredMixin, View):
    """POST: mark one of your own notifications read, then go to its page (anyone else's is 404)."""

    def check_role(self):
        super().check_role()
        self.notification = get_object_or_404(notifications_of(member=self.member), pk=self.kwargs["notification_id"])

    def post(self, request, notification_id: int):
        notification = notification_open(member=self.member, notification_id=self.notification.pk, acting_user=request.user)
        if not url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
            return redirect("procurement:notifications")  # only our own pages (urls are ours; belt and braces)
        return redirect(notification.url)


class NotificationsReadAllView(ListOnGetMixin, MemberRequiredMixin, View):
    """POST: mark all your notifications read."""

    def post(self, request):
        count = notifications_mark_all_read(member=self.member, acting_user=request.user)
        messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked as read.")
        return redirect("procurement:notifications")


class NotificationSettingsView(MemberRequiredMixin, FormView):
    """Per kind: email (and in-app), in-app only, or off. Every member, their own."""

    template_name = "procurement/notification_settings.html"
    form_class = NotificationPreferencesForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "initial_channels": preferences_of(member=self.member)}

    def form_valid(self, form):
        try:
            notification_preferences_update(member=self.member, channels=form.channels(), acting_user=self.request.user)
        except ApplicationError as error:
            error_to_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Notification settings saved.")
        return redirect("procurement:notification_settings")
