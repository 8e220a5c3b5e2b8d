"""The read-only building blocks of the staff admin: rows that only the app's services write.

Invoices, credit notes, receipts, returns, shipments, payments and refunds are made by checkout,
shipping, receiving, returns and finance, each under its locks and checks; staff read them and act
through admin actions that call those services, never by adding, editing amounts or deleting.
"""

from django.contrib import admin


class ReadOnlyInline(admin.TabularInline):
    """Lines shown on their parent's page: every listed field read-only, nothing added or deleted."""

    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields or ()

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class NoAddDeleteMixin:
    """A ModelAdmin whose rows come from the services: staff never add or delete them."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyMixin(NoAddDeleteMixin):
    """Nor change them: a record to read (and its history)."""

    def has_change_permission(self, request, obj=None):
        return False
