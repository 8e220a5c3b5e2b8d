"""Business Settings → Approval workflows (and a group's override), personal spending limits, category
policies per group, and each approver's delegations. Thin views: a form, one service, a message."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from orders.models import ApprovalDelegation, ApprovalLevel, ApprovalRule, CategoryPolicy, SpendingLimit
from orders.policies import services
from orders.policies.forms import CategoryPolicyForm, DelaysForm, DelegationForm, LevelForm, SpendingLimitForm
from orders.policies.selectors import level_describe
from procurement.errors import ApplicationError, error_to_form, error_to_message
from procurement.models import Group, GroupMembership, Member
from procurement.tenancy import MemberRequiredMixin, member_group_ids, member_has_role

Role = GroupMembership.Role


class _GroupAdminMixin(MemberRequiredMixin):
    """Business admins, or (with a group in the URL) that group's group admins."""

    group = None

    def check_role(self):
        super().check_role()
        if "group_id" in self.kwargs:
            self.group = self.get_scoped_or_404(Group, pk=self.kwargs["group_id"])
            if not member_has_role(self.member, Role.GROUP_ADMIN, group=self.group):
                raise PermissionDenied("Only business admins and this group's group admins can open this page.")
        elif not self.member.is_business_admin:
            raise PermissionDenied("Only business admins can open Business Settings.")


class ApprovalWorkflowView(_GroupAdminMixin, TemplateView):
    """The business's approval rule, or a group's override of it: ordered levels."""

    template_name = "orders/policies/approval_workflow.html"

    def _url(self):
        if self.group is not None:
            return reverse("orders:group_approval_workflow", kwargs={"group_id": self.group.pk})
        return reverse("orders:approval_workflow")

    def get_context_data(self, delays_form=None, level_form=None, **kwargs):
        rule = ApprovalRule.objects.filter(business=self.business, group=self.group).first()
        levels = list(
            ApprovalLevel.objects.filter(rule=rule).select_related("category").prefetch_related("named__member__user")
        ) if rule else []
        for level in levels:
            level.when = level_describe(level)
        business_rule = rule if self.group is None else ApprovalRule.objects.filter(business=self.business, group=None).first()
        return super().get_context_data(
            group=self.group, rule=rule, levels=levels,
            delays_form=delays_form or (DelaysForm(instance=business_rule) if self.group is None else None),
            level_form=level_form or LevelForm(business=self.business),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        try:
            if action == "delays" and self.group is None:
                form = DelaysForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(delays_form=form))
                services.approval_delays_update(
                    business=self.business, reminder_days=form.cleaned_data["reminder_days"],
                    escalation_days=form.cleaned_data["escalation_days"], acting_member=self.member, acting_user=request.user,
                )
                messages.success(request, "Reminder and escalation delays saved.")
            elif action == "add":
                form = LevelForm(request.POST, business=self.business)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(level_form=form))
                data = form.cleaned_data
                try:
                    level = services.approval_level_add(
                        business=self.business, group=self.group, condition=data["condition"], deciders=data["deciders"],
                        mode=data["mode"], amount=data.get("amount"), category=data.get("category"),
                        named=list(data.get("named") or []), acting_member=self.member, acting_user=request.user,
                    )
                except ApplicationError as exc:
                    error_to_form(form, exc)
                    return self.render_to_response(self.get_context_data(level_form=form))
                messages.success(request, f"Level {level.position} added.")
            elif action == "remove":
                level = self.get_scoped_or_404(ApprovalLevel, pk=request.POST.get("level") or 0,
                                               rule__group=self.group)
                services.approval_level_remove(level=level, acting_member=self.member, acting_user=request.user)
                messages.success(request, "Level removed; the later levels moved up.")
            elif action == "remove_rule" and self.group is not None:
                services.approval_rule_remove(business=self.business, group=self.group, acting_member=self.member,
                                              acting_user=request.user)
                messages.success(request, f"{self.group.name} follows the business's approval rule again.")
            else:
                messages.error(request, "Choose what to change.")
        except ApplicationError as exc:
            error_to_message(request, exc)
        return redirect(self._url())


def _limit_members(member: Member):
    """Members whose limits `member` may set: everyone for business admins, their groups' for group admins."""
    qs = Member.objects.filter(business_id=member.business_id, is_active=True).select_related("user")
    if not member.is_business_admin:
        qs = qs.filter(memberships__group_id__in=member_group_ids(member, Role.GROUP_ADMIN)).exclude(pk=member.pk).distinct()
    return qs.order_by("user__email")


class SpendingLimitsView(MemberRequiredMixin, TemplateView):
    """Personal spending limits: business admins for everyone, group admins for their groups' members."""

    template_name = "orders/policies/spending_limits.html"
    required_roles = (Role.GROUP_ADMIN,)

    def get_context_data(self, form=None, **kwargs):
        members = _limit_members(self.member)
        limits = SpendingLimit.objects.filter(business=self.business, member__in=members).select_related("member__user").order_by("member__user__email")
        return super().get_context_data(limits=limits, form=form or SpendingLimitForm(members=members), **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            if request.POST.get("action") == "remove":
                limit = self.get_scoped_or_404(SpendingLimit, pk=request.POST.get("limit") or 0)
                services.spending_limit_remove(limit=limit, acting_member=self.member, acting_user=request.user)
                messages.success(request, "Limit removed.")
                return redirect("orders:spending_limits")
            form = SpendingLimitForm(request.POST, members=_limit_members(self.member))
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(form=form))
            data = form.cleaned_data
            try:
                services.spending_limit_set(member=data["member"], per_order=data.get("per_order"), per_month=data.get("per_month"),
                                            action=data["action"], acting_member=self.member, acting_user=request.user)
            except ApplicationError as exc:
                error_to_form(form, exc)
                return self.render_to_response(self.get_context_data(form=form))
            messages.success(request, f"Limit saved for {data['member'].name}.")
        except ApplicationError as exc:
            error_to_message(request, exc)
        return redirect("orders:spending_limits")


class CategoryPoliciesView(_GroupAdminMixin, TemplateView):
    """A group's category policies: restricted (hidden, refused) or always needs approval."""

    template_name = "orders/policies/category_policies.html"

    def get_context_data(self, form=None, **kwargs):
        rows = CategoryPolicy.objects.filter(business=self.business, group=self.group).select_related("category")
        return super().get_context_data(group=self.group, rows=rows, form=form or CategoryPolicyForm(), **kwargs)

    def post(self, request, *args, **kwargs):
        url = reverse("orders:category_policies", kwargs={"group_id": self.group.pk})
        try:
            if request.POST.get("action") == "remove":
                row = self.get_scoped_or_404(CategoryPolicy, pk=request.POST.get("row") or 0, group=self.group)
                services.category_policy_remove(row=row, acting_member=self.member, acting_user=request.user)
                messages.success(request, "Category policy removed.")
                return redirect(url)
            form = CategoryPolicyForm(request.POST)
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(form=form))
            row = services.category_policy_set(group=self.group, category=form.cleaned_data["category"],
                                               policy=form.cleaned_data["policy"], acting_member=self.member,
                                               acting_user=request.user)
            messages.success(request, f"{row.category.name}: {row.get_policy_display().lower()} in {self.group.name}.")
        except ApplicationError as exc:
            error_to_message(request, exc)
        return redirect(url)


class DelegationsView(MemberRequiredMixin, TemplateView):
    """An approver names a delegate for a date range; decisions are then on behalf of the approver."""

    template_name = "orders/policies/delegations.html"
    required_roles = (Role.APPROVER, Role.FINANCE)

    def _members(self):
        return Member.objects.filter(business=self.business, is_active=True).exclude(pk=self.member.pk).select_related("user").order_by("user__email")

    def get_context_data(self, form=None, **kwargs):
        given = ApprovalDelegation.objects.filter(business=self.business, approver=self.member).select_related("delegate__user")
        received = ApprovalDelegation.objects.filter(business=self.business, delegate=self.member).select_related("approver__user")
        return super().get_context_data(given=given, received=received, form=form or DelegationForm(members=self._members()), **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            if request.POST.get("action") == "remove":
                row = self.get_scoped_or_404(ApprovalDelegation, pk=request.POST.get("delegation") or 0, approver=self.member)
                services.delegation_remove(delegation=row, acting_member=self.member, acting_user=request.user)
                messages.success(request, "Delegation ended.")
                return redirect("orders:delegations")
            form = DelegationForm(request.POST, members=self._members())
            if not form.is_valid():
                return self.render_to_response(self.get_context_data(form=form))
            data = form.cleaned_data
            try:
                services.delegation_create(approver=self.member, delegate=data["delegate"], start_date=data["start_date"],
                                           end_date=data["end_date"], acting_user=request.user)
            except ApplicationError as exc:
                error_to_form(form, exc)
                return self.render_to_response(self.get_context_data(form=form))
            messages.success(request, f"{data['delegate'].name} decides for you from {data['start_date']:%b %d, %Y} "
                                      f"to {data['end_date']:%b %d, %Y}.")
        except ApplicationError as exc:
            error_to_message(request, exc)
        return redirect("orders:delegations")
