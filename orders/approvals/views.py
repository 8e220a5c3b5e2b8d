"""Approvals: approve or reject pending orders."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.views.generic import TemplateView

from orders.approvals.forms import RejectForm
from orders.approvals.selectors import pending_approvals
from orders.approvals.services import ApprovalError, order_approve, order_reject
from orders.models import Order
from procurement.errors import error_to_message
from procurement.models import GroupMembership
from procurement.tenancy import (
    MemberRequiredMixin,
)

Role = GroupMembership.Role


PAGE_SIZE = 25


def _page(request, qs, size=PAGE_SIZE):
    return Paginator(qs, size).get_page(request.GET.get("page"))


class ApprovalsView(MemberRequiredMixin, TemplateView):
    template_name = "orders/shop/approvals.html"
    required_roles = (Role.APPROVER,)

    def get_context_data(self, **kwargs):
        page = _page(self.request, pending_approvals(member=self.member))
        return super().get_context_data(page_obj=page, orders=page.object_list, **kwargs)

    def post(self, request, *args, **kwargs):
        po_number = request.POST.get("po_number", "")
        order = self.get_scoped_or_404(Order.objects.select_related("budget", "buyer", "group"), po_number=po_number)
        try:
            if request.POST.get("decision") == "approve":
                order_approve(order=order, approver=self.member, acting_user=request.user)
                messages.success(request, f"Order {order.po_number} approved and charged to its budget.")
            else:
                form = RejectForm(request.POST)
                if not form.is_valid():
                    messages.error(request, f"Give a reason to reject order {order.po_number}; the buyer will read it.")
                    return redirect("orders:approvals")
                order_reject(order=order, approver=self.member, reason=form.cleaned_data["reason"], acting_user=request.user)
                messages.success(request, f"Order {order.po_number} rejected.")
        except ApprovalError as exc:
            error_to_message(request, exc)
        return redirect("orders:approvals")
