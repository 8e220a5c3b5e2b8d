"""The buyer asks to return received items (staff decide in Django admin)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.views.generic import TemplateView

from orders.models import Order
from orders.returns.forms import ReturnRequestForm
from orders.returns.selectors import order_returns, returnable_lines
from orders.returns.services import ReturnError, member_may_request_return, return_request
from procurement.tenancy import MemberRequiredMixin


class ReturnRequestView(MemberRequiredMixin, TemplateView):
    template_name = "orders/shop/return_request.html"

    def get_order(self) -> Order:
        order = self.get_scoped_or_404(Order.objects.select_related("group"), po_number=self.kwargs["po_number"])
        if not member_may_request_return(member=self.member, order=order):
            raise PermissionDenied("Only the buyer can ask to return items of this order.")
        return order

    def render_form(self, order, form, status=200):
        return self.render_to_response(
            self.get_context_data(order=order, form=form, returns=order_returns(order)), status=status
        )

    def get(self, request, *args, **kwargs):
        order = self.get_order()
        return self.render_form(order, ReturnRequestForm(receipt_lines=returnable_lines(order)))

    def post(self, request, *args, **kwargs):
        order = self.get_order()
        lines = returnable_lines(order)
        form = ReturnRequestForm(request.POST, receipt_lines=lines)
        if form.is_valid():
            try:
                return_request(
                    receipt_line=form.receipt_lines[form.cleaned_data["receipt_line"]],
                    quantity=form.cleaned_data["quantity"], reason=form.cleaned_data["reason"],
                    reason_text=form.cleaned_data["reason_text"], member=self.member, acting_user=request.user,
                )
            except ReturnError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Return requested. You will see the credit note here once it is approved.")
                return redirect("orders:order_detail", po_number=order.po_number)
        return self.render_form(order, form, status=400)
