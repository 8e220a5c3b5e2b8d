"""Django admin for staff (support and fulfilment): every core model, with history."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from simple_history.admin import SimpleHistoryAdmin

from .models import Address, Business, Counter, Group, GroupMembership, Member, User


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self):
        # Emails are stored lower-case, as registration and the login form expect.
        return self.cleaned_data["email"].strip().lower()


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Email is the login; there is no username."""

    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_staff", "is_active", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "first_name", "last_name")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),
    )


class MemberInline(admin.TabularInline):
    model = Member
    fields = ("user", "is_business_admin", "is_active")
    raw_id_fields = ("user",)
    extra = 0
    show_change_link = True


class GroupInline(admin.TabularInline):
    model = Group
    fields = ("name", "cost_center", "location")
    extra = 0
    show_change_link = True


@admin.register(Business)
class BusinessAdmin(SimpleHistoryAdmin):
    list_display = ("name", "city", "country", "currency", "po_mode", "created_at")
    list_filter = ("country", "currency", "po_mode", "po_required")
    search_fields = ("name", "city", "postal_code")
    date_hierarchy = "created_at"
    inlines = [GroupInline, MemberInline]


@admin.register(Member)
class MemberAdmin(SimpleHistoryAdmin):
    list_display = ("email_display", "name_display", "business", "is_business_admin", "is_active", "created_at")
    list_filter = ("is_business_admin", "is_active")
    search_fields = ("user__email", "user__first_name", "user__last_name", "business__name")
    list_select_related = ("user", "business")
    raw_id_fields = ("user", "business")

    @admin.display(description="email", ordering="user__email")
    def email_display(self, obj):
        return obj.user.email

    @admin.display(description="name", ordering="user__last_name")
    def name_display(self, obj):
        return obj.user.get_full_name()


class GroupMembershipInline(admin.TabularInline):
    model = GroupMembership
    fields = ("member", "role")
    raw_id_fields = ("member",)
    extra = 0


@admin.register(Group)
class GroupAdmin(SimpleHistoryAdmin):
    list_display = ("name", "business", "cost_center", "location", "parent", "approval_threshold")
    list_filter = ("business",)
    search_fields = ("name", "cost_center", "location", "business__name")
    list_select_related = ("business", "parent")
    raw_id_fields = ("business", "shipping_address", "parent")
    inlines = [GroupMembershipInline]

    def save_formset(self, request, form, formset, change):
        # Inline memberships take their business from the group.
        for obj in formset.save(commit=False):
            obj.business_id = form.instance.business_id
            obj.save()
        for obj in formset.deleted_objects:
            obj.delete()


@admin.register(GroupMembership)
class GroupMembershipAdmin(SimpleHistoryAdmin):
    list_display = ("member", "group", "role", "business", "created_at")
    list_filter = ("role",)
    search_fields = ("member__user__email", "group__name", "business__name")
    list_select_related = ("member__user", "group", "business")
    raw_id_fields = ("business", "group", "member")


@admin.register(Address)
class AddressAdmin(SimpleHistoryAdmin):
    list_display = ("label", "business", "line1", "city", "country", "is_active")
    list_filter = ("is_active", "country")
    search_fields = ("label", "line1", "city", "postal_code", "business__name")
    list_select_related = ("business",)
    raw_id_fields = ("business",)


@admin.register(Counter)
class CounterAdmin(admin.ModelAdmin):
    """Read-only: counters only move inside the transactions that hand out numbers."""

    list_display = ("business", "kind", "scope", "last_value")
    list_filter = ("kind",)
    search_fields = ("business__name",)
    list_select_related = ("business",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False



from .notifications import admin as notifications_admin  # noqa: E402,F401  (registers the notification models)
