from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Allocation, Budget, LedgerEntry


class AllocationInline(admin.TabularInline):
    """Read-only here: allocations change through the Allocations page (its service checks the totals)."""

    model = Allocation
    fields = ("member", "amount", "spent")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Budget)
class BudgetAdmin(SimpleHistoryAdmin):
    list_display = ("po_number", "name", "business", "group", "amount", "spent", "currency", "policy", "status", "start_date", "end_date")
    list_filter = ("status", "policy")
    search_fields = ("name", "po_number", "business__name", "group__name")
    list_select_related = ("business", "group")
    readonly_fields = ("spent", "release_count", "low_funds_alert_sent_at", "created_at", "created_by", "closed_at")
    raw_id_fields = ("business", "group")
    inlines = [AllocationInline]


@admin.register(Allocation)
class AllocationAdmin(SimpleHistoryAdmin):
    list_display = ("budget", "member", "amount", "spent")
    search_fields = ("budget__po_number", "budget__name", "member__user__email")
    list_select_related = ("budget", "member__user")
    readonly_fields = ("spent",)
    raw_id_fields = ("business", "budget", "member")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    """Append-only: staff read the ledger; money moves only through budgets.ledger."""

    list_display = ("created_at", "kind", "amount", "over_limit", "budget", "member", "order", "created_by")
    list_filter = ("kind", "over_limit")
    search_fields = ("budget__po_number", "order__po_number", "member__user__email", "note")
    list_select_related = ("budget", "member__user", "order", "created_by")
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
