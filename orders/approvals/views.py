"""Approvals: the list of orders waiting for the member, and the decision on the order page (POST only:
the links in emails open the order page, the decision is a form there)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.views.generic import TemplateView, View

from budgets.models import Budget
from orders.approvals.forms import DecisionForm, MoveBudgetForm, RejectForm
from orders.approvals.selectors import member_may_see_approvals, pending_approvals
from orders.approvals.services import ApprovalError, order_approve, order_budget_move, order_decide, order_reject
from orders.models import Order
from procurement.errors import error_to_message
from procurement.models import GroupMembership
from procurement.tenancy import MemberRequiredMixin

Role = GroupMembership.Role


PAGE_SIZE = 25


def _decided_message(request, order: Order) -> None:
    order.refresh_from_db(fields=["status"])
    if order.status == Order.Status.PLACED:
        messages.success(request, f"Order {order.po_number} approved; it is placed.")
    elif order.status == Order.Status.REJECTED:
        messages.success(request, f"Order {order.po_number} rejected.")
    else:
        messages.success(request, f"Order {order.po_number} approved at your level; it waits for the next level.")


class ApprovalsView(MemberRequiredMixin, TemplateView):
    template_name = "orders/shop/approvals.html"

    def _check(self):
        if not member_may_see_approvals(self.member):
            raise PermissionDenied("Only approvers, finance, named deciders and their delegates decide on orders.")

    def get_context_data(self, **kwargs):
        self._check()
        page = Paginator(pending_approvals(member=self.member), PAGE_SIZE).get_page(self.request.GET.get("page"))
        return super().get_context_data(page_obj=page, orders=page.object_list, **kwargs)

    def post(self, request, *args, **kwargs):
        self._check()
        po_number = request.POST.get("po_number", "")
        order = self.get_scoped_or_404(Order.objects.select_related("budget", "buyer", "group"), po_number=po_number)
        try:
            if request.POST.get("decision") == "approve":
                order_approve(order=order, approver=self.member, acting_user=request.user)
            else:
                form = RejectForm(request.POST)
                if not form.is_valid():
                    messages.error(request, f"Give a reason to reject order {order.po_number}; the buyer will read it.")
                    return redirect("orders:approvals")
                order_reject(order=order, approver=self.member, reason=form.cleaned_data["reason"], acting_user=request.user)
            _decided_message(request, order)
        except ApprovalError as exc:
            error_to_message(request, exc)
        return redirect("orders:approvals")


class _OrderPostView(MemberRequiredMixin, View):
    """POST only; a GET (e.g. a link followed by hand) goes back to the order page."""

    def order(self) -> Order:
        return self.get_scoped_or_404(Order.objects.select_related("budget", "buyer", "group"),
                                      po_number=self.kwargs["po_number"])

    def get(self, request, *args, **kwargs):
        return redirect("orders:order_detail", po_number=self.order().po_number)


class OrderDecideView(_OrderPostView):
    def post(self, request, *args, **kwargs):
        order = self.order()
        form = DecisionForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                messages.error(request, " ".join(errors))
            return redirect("orders:order_detail", po_number=order.po_number)
        try:
            order_decide(order=order, member=self.member, approve=form.cleaned_data["decision"] == "approve",
                         reason=form.cleaned_data["reason"], acting_user=request.user)
            _decided_message(request, order)
        except ApprovalError as exc:
            error_to_message(request, exc)
        return redirect("orders:order_detail", po_number=order.po_number)


class OrderMoveBudgetView(_OrderPostView):
    def post(self, request, *args, **kwargs):
        order = self.order()
        budgets = Budget.objects.filter(business=self.business, group_id=order.group_id, status=Budget.Status.ACTIVE)
        form = MoveBudgetForm(request.POST, budgets=budgets)
        if not form.is_valid():
            messages.error(request, "Choose an active Blanket PO of the order's group.")
            return redirect("orders:order_detail", po_number=order.po_number)
        try:
            order_budget_move(order=order, budget=form.cleaned_data["budget"], member=self.member, acting_user=request.user)
        except ApprovalError as exc:
            error_to_message(request, exc)
        else:
            messages.success(request, f"Order {order.po_number} now reserves its amount on {form.cleaned_data['budget'].po_number}.")
        return redirect("orders:order_detail", po_number=order.po_number)
