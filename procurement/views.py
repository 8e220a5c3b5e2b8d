"""Views of the business core: thin, every one scoped through the tenancy mixins.

Each view parses its form, calls one service, and redirects with a success message or re-renders with
the errors. Business Settings pages are for business admins only (403 for everyone else).
"""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.views.generic import FormView, ListView, TemplateView

from . import selectors, services
from .attention import attention_items
from .jobs.selectors import job_kinds_visible
from .forms import (
    AddressForm, CompanyForm, GroupForm, GroupMemberAddForm, LoginForm, MemberAddForm, MemberEditForm,
    PasswordResetForm, RegistrationForm,
)
from .models import Address, Business, Group, GroupMembership, Member
from .tenancy import BusinessAdminRequiredMixin, MemberRequiredMixin, Role, member_for_user, member_has_role

PAGE_SIZE = 25


def apply_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form (field errors where the field exists)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def health(request):
    """For load balancers (and the benchmark's floor): one indexed query, no login, no session, no cookie.

    200 {"status": "ok"} while the database answers, 503 otherwise. It is exempt from the HTTPS redirect
    (SECURE_REDIRECT_EXEMPT) because load balancers probe over plain HTTP.
    """
    try:
        Business.objects.filter(pk=1).exists()  # the primary key index: one cheap round trip
    except DatabaseError:
        response = JsonResponse({"status": "database unavailable"}, status=503)
    else:
        response = JsonResponse({"status": "ok"})
    response["Cache-Control"] = "no-store"
    return response


class HomeView(TemplateView):
    template_name = "procurement/home.html"

    def get(self, request, *args, **kwargs):
        if member_for_user(request.user) is not None:
            return redirect("procurement:account")
        return super().get(request, *args, **kwargs)


class LoginView(auth_views.LoginView):
    template_name = "procurement/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


# --- Passwords: Django's views with our templates -------------------------------------------------
# Changing or resetting a password changes the hash that every session carries (Django's session auth
# hash): every other session of the member fails that check on its next request and is logged out. The
# change view keeps the current session (update_session_auth_hash); the reset view logs no one in.


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "procurement/password_change.html"
    success_url = reverse_lazy("procurement:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "procurement/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "procurement/password_reset.html"
    form_class = PasswordResetForm
    email_template_name = "procurement/emails/password_reset.txt"
    subject_template_name = "procurement/emails/password_reset_subject.txt"
    success_url = reverse_lazy("procurement:password_reset_done")

    def get_context_data(self, **kwargs):
        return super().get_context_data(days=services.reset_link_days(), **kwargs)

    def form_valid(self, form):
        self.extra_email_context = {"days": services.reset_link_days()}
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "procurement/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "procurement/password_reset_confirm.html"
    success_url = reverse_lazy("procurement:password_reset_complete")
    post_reset_login = False


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "procurement/password_reset_complete.html"


class RegisterView(FormView):
    """Create a business account: company and admin in one step, then straight into the account."""

    template_name = "procurement/register.html"
    form_class = RegistrationForm

    def dispatch(self, request, *args, **kwargs):
        if member_for_user(request.user) is not None:
            return redirect("procurement:account")
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            member = services.business_register(
                company_name=data["company_name"], address_line1=data["address_line1"],
                address_line2=data["address_line2"], city=data["city"], region=data["region"],
                postal_code=data["postal_code"], country=data["country"], first_name=data["first_name"],
                last_name=data["last_name"], email=data["email"], password=data["password1"],
            )
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        login(self.request, member.user, backend="procurement.auth.MemberBackend")
        messages.success(self.request, f"Welcome! {member.business.name} is set up and you are its business admin.")
        return redirect("procurement:account")


class AccountView(MemberRequiredMixin, TemplateView):
    """Your Account for Business: the signed-in home."""

    template_name = "procurement/account.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            account_groups=selectors.account_groups(member=self.member),
            roles=selectors.account_roles(member=self.member),
            attention=attention_items(member=self.member),
            may_see_jobs=bool(job_kinds_visible(member=self.member)),
            **kwargs,
        )


# --- Business Settings ---------------------------------------------------------------------------


class BusinessSettingsView(BusinessAdminRequiredMixin, TemplateView):
    template_name = "procurement/business_settings.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            member_count=self.scoped(Member).filter(is_active=True).count(),
            group_count=self.scoped(Group).count(),
            address_count=self.scoped(Address).filter(is_active=True).count(),
            **kwargs,
        )


class CompanyView(BusinessAdminRequiredMixin, FormView):
    template_name = "procurement/company.html"
    form_class = CompanyForm

    def get_form_kwargs(self):
        # A fresh copy, so an invalid form never changes the business shown in the navigation.
        return {**super().get_form_kwargs(), "instance": type(self.business).objects.get(pk=self.business.pk)}

    def form_valid(self, form):
        fields = {name: form.cleaned_data[name] for name in CompanyForm.Meta.fields}
        try:
            services.business_update(business=self.business, acting_user=self.request.user, **fields)
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Company details saved.")
        return redirect("procurement:business_settings")


class MemberListView(BusinessAdminRequiredMixin, ListView):
    template_name = "procurement/member_list.html"
    context_object_name = "members"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return self.scoped(selectors.member_list(business=self.business, search=self.request.GET.get("q", "")))

    def get_context_data(self, **kwargs):
        return super().get_context_data(q=self.request.GET.get("q", ""), **kwargs)


class MemberAddView(BusinessAdminRequiredMixin, FormView):
    template_name = "procurement/member_add.html"
    form_class = MemberAddForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(days=services.reset_link_days(), **kwargs)

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            member = services.member_add(
                business=self.business, first_name=data["first_name"], last_name=data["last_name"],
                email=data["email"], is_business_admin=data["is_business_admin"],
                base_url=self.request.build_absolute_uri("/"), acting_user=self.request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(
            self.request,
            f"{member.name} was added to {self.business.name}. We emailed {member.email} a link to set "
            "their password.",
        )
        return redirect("procurement:member_edit", member_id=member.pk)


class MemberEditView(BusinessAdminRequiredMixin, FormView):
    template_name = "procurement/member_edit.html"
    form_class = MemberEditForm

    def check_role(self):
        super().check_role()
        self.object = self.get_scoped_or_404(Member.objects.select_related("user"), pk=self.kwargs["member_id"])

    def get_initial(self):
        return {
            "first_name": self.object.user.first_name, "last_name": self.object.user.last_name,
            "is_business_admin": self.object.is_business_admin, "is_active": self.object.is_active,
        }

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            member_obj=self.object,
            memberships=selectors.member_memberships(member=self.object),
            is_self=self.object.pk == self.member.pk,
            **kwargs,
        )

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            services.member_update(
                member=self.object, acting_user=self.request.user, first_name=data["first_name"],
                last_name=data["last_name"], is_business_admin=data["is_business_admin"], is_active=data["is_active"],
            )
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"{self.object.name} saved.")
        if self.object.pk == self.member.pk and not data["is_business_admin"]:
            return redirect("procurement:account")  # no longer an admin: Business Settings is closed to them
        return redirect("procurement:members")


class GroupListView(BusinessAdminRequiredMixin, ListView):
    template_name = "procurement/group_list.html"
    context_object_name = "groups"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return self.scoped(selectors.group_list(business=self.business))


class GroupFormMixin:
    template_name = "procurement/group_form.html"
    form_class = GroupForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "business": self.business}


class GroupCreateView(BusinessAdminRequiredMixin, GroupFormMixin, FormView):
    def form_valid(self, form):
        try:
            group = services.group_create(business=self.business, acting_user=self.request.user, **form.service_fields())
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Group “{group.name}” created.")
        return redirect("procurement:group_detail", group_id=group.pk)


class GroupObjectMixin:
    """Looks the group up through the member's business before anything else (404 for others)."""

    def check_role(self):
        self.group = self.get_scoped_or_404(
            Group.objects.select_related("shipping_address", "parent"), pk=self.kwargs["group_id"]
        )
        super().check_role()


class GroupEditView(GroupObjectMixin, BusinessAdminRequiredMixin, GroupFormMixin, FormView):
    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.group}

    def get_context_data(self, **kwargs):
        return super().get_context_data(group=self.group, **kwargs)

    def form_valid(self, form):
        try:
            services.group_update(group=self.group, acting_user=self.request.user, **form.service_fields())
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Group “{self.group.name}” saved.")
        return redirect("procurement:group_detail", group_id=self.group.pk)


class GroupDetailView(GroupObjectMixin, MemberRequiredMixin, TemplateView):
    """A group's page: members and roles, Billing & Shipping (its budgets hang from here), history.

    Business admins and the group's own group admins may open it.
    """

    template_name = "procurement/group_detail.html"

    def check_role(self):
        super().check_role()
        if not member_has_role(self.member, Role.GROUP_ADMIN, group=self.group):
            raise PermissionDenied("Only business admins and this group's group admins can open this page.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            group=self.group,
            rows=selectors.group_member_rows(group=self.group),
            history=selectors.group_history(group=self.group),
            can_manage=self.member.is_business_admin,
            **kwargs,
        )


class GroupMemberAddView(GroupObjectMixin, BusinessAdminRequiredMixin, FormView):
    template_name = "procurement/group_member_add.html"
    form_class = GroupMemberAddForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "business": self.business}

    def get_context_data(self, **kwargs):
        return super().get_context_data(group=self.group, **kwargs)

    def form_valid(self, form):
        member, roles = form.cleaned_data["member"], form.cleaned_data["roles"]
        try:
            services.group_member_add(group=self.group, member=member, roles=roles, acting_user=self.request.user)
        except ValidationError as error:
            apply_errors(form, error)
            return self.form_invalid(form)
        labels = ", ".join(str(Role(r).label) for r in roles)
        messages.success(self.request, f"{member.name} added to {self.group.name} ({labels}).")
        return redirect("procurement:group_detail", group_id=self.group.pk)


class GroupMemberRemoveView(GroupObjectMixin, BusinessAdminRequiredMixin, TemplateView):
    """Confirm (GET) and remove (POST) one role of one member in the group."""

    template_name = "procurement/group_member_remove.html"

    def check_role(self):
        super().check_role()
        self.membership = self.get_scoped_or_404(
            GroupMembership.objects.select_related("member__user"),
            pk=self.kwargs["membership_id"], group=self.group,
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(group=self.group, membership=self.membership, **kwargs)

    def post(self, request, *args, **kwargs):
        services.group_membership_remove(membership=self.membership, acting_user=request.user)
        messages.success(
            request, f"{self.membership.member.name} is no longer {self.membership.get_role_display()} in {self.group.name}."
        )
        return redirect("procurement:group_detail", group_id=self.group.pk)


class AddressListView(BusinessAdminRequiredMixin, ListView):
    """Billing & Shipping: the business's shipping addresses."""

    template_name = "procurement/address_list.html"
    context_object_name = "addresses"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return self.scoped(selectors.address_list(business=self.business))


class AddressCreateView(BusinessAdminRequiredMixin, FormView):
    template_name = "procurement/address_form.html"
    form_class = AddressForm

    def form_valid(self, form):
        fields = {name: form.cleaned_data[name] for name in AddressForm.Meta.fields}
        address = services.address_create(business=self.business, acting_user=self.request.user, **fields)
        messages.success(self.request, f"Address “{address.label}” added.")
        return redirect("procurement:addresses")


class AddressEditView(BusinessAdminRequiredMixin, FormView):
    template_name = "procurement/address_form.html"
    form_class = AddressForm

    def check_role(self):
        super().check_role()
        self.address = self.get_scoped_or_404(Address, pk=self.kwargs["address_id"])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.address}

    def get_context_data(self, **kwargs):
        return super().get_context_data(address=self.address, **kwargs)

    def form_valid(self, form):
        fields = {name: form.cleaned_data[name] for name in AddressForm.Meta.fields}
        services.address_update(address=self.address, acting_user=self.request.user, **fields)
        messages.success(self.request, f"Address “{self.address.label}” saved.")
        return redirect(reverse("procurement:addresses"))
