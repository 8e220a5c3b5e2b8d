"""Staff see notifications and the email outbox (sent, failed, attempts), read-only; preferences editable."""

from django.contrib import admin

from .models import Notification, NotificationEmail, NotificationPreference


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "recipient", "business", "created_at", "read_at", "emailed_at")
    list_filter = ("kind",)
    search_fields = ("title", "po_number", "recipient__user__email", "business__name")
    list_select_related = ("recipient__user", "business")


@admin.register(NotificationEmail)
class NotificationEmailAdmin(ReadOnlyAdmin):
    list_display = ("subject", "to", "business", "created_at", "sent_at", "attempts", "failed_at", "last_error")
    list_filter = (("failed_at", admin.EmptyFieldListFilter), ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("subject", "to", "business__name")
    list_select_related = ("business",)
    exclude = ("html",)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("member", "kind", "channel", "business")
    list_filter = ("kind", "channel")
    search_fields = ("member__user__email", "business__name")
    list_select_related = ("member__user", "business")
    raw_id_fields = ("business", "member")
