"""Your Orders, the order page (and the buyer's cancel), Find by PO number."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView

from orders.approvals.selectors import approval_panel
from orders.access import member_is_finance, order_cancel_allowed, order_visible_to
from orders.finance.selectors import finance_find
from orders.fulfilment.services import ShippingError, order_cancel
from orders.receiving.services import RECEIVABLE, member_may_receive
from orders.returns.services import member_may_request_return
from orders.tracking.forms import OrderFilterForm
from orders.tracking.selectors import (
    order_cancellable,
    order_detail,
    order_find,
    order_keyset_page,
    order_lines_cached,
    order_list,
    order_rows,
    order_rows_of,
    order_timeline,
)
from procurement.errors import error_to_message
from procurement.models import Group
from procurement.tenancy import (
    MemberRequiredMixin,
    member_group_ids,
)


PAGE_SIZE = 25


def _page(request, qs, size=PAGE_SIZE):
    return Paginator(qs, size).get_page(request.GET.get("page"))


class OrderListView(MemberRequiredMixin, TemplateView):
    template_name = "orders/shop/order_list.html"

    def get_context_data(self, **kwargs):
        groups = Group.objects.filter(business=self.business).order_by("name")
        if not self.member.is_business_admin:
            groups = groups.filter(pk__in=member_group_ids(self.member))
        form = OrderFilterForm(self.request.GET or None, groups=groups.values_list("pk", "name"))
        filters = form.cleaned_data if form.is_valid() else {}
        qs = order_list(
            member=self.member, status=filters.get("status", ""), group_id=filters.get("group"),
            date_from=filters.get("date_from"), date_to=filters.get("date_to"), po_number=filters.get("po_number", ""),
        )
        # Keyset pagination: a deep page costs what the first one costs (no OFFSET, no COUNT).
        # Rows come as plain values, every cell formatted once in Python (no model per printed row).
        values, to_row = order_rows(qs, business=self.business)
        page = order_keyset_page(values, after=self.request.GET.get("after", ""), before=self.request.GET.get("before", ""),
                                 size=PAGE_SIZE, row=to_row)
        return super().get_context_data(form=form, page_obj=page, orders=page.object_list, filtered=bool(filters and any(filters.values())), **kwargs)


class OrderDetailView(MemberRequiredMixin, TemplateView):
    template_name = "orders/shop/order_detail.html"

    def get_order(self):
        order = order_detail(business_id=self.business.pk, po_number=self.kwargs["po_number"])
        if order is None:
            raise Http404("No order with this PO number.")
        if not order_visible_to(order=order, member=self.member):
            raise PermissionDenied("This order is not one of yours or your groups'.")
        return order

    def may_cancel(self, order, *, any_shipped: bool | None = None):
        return order_cancellable(order, any_shipped=any_shipped) and order_cancel_allowed(order=order, member=self.member)

    def get_context_data(self, **kwargs):
        order = self.get_order()
        lines = order_lines_cached(order=order, business=self.business)
        return super().get_context_data(
            order=order, lines_html=mark_safe(lines["lines_html"]),  # nosec B308 B703  # our template's output (autoescaped), cached
            matches_html=mark_safe(lines["matches_html"]),  # nosec B308 B703  # as above
            shipments=lines["shipments"], documents_html=mark_safe(lines["documents_html"]),  # nosec B308 B703  # as above
            information=lines["information"], timeline=order_timeline(order, shipments=lines["shipments"], items=lines["items"]),
            approval=approval_panel(order=order, member=self.member, decisions=list(order.approvals.all())),
            may_cancel=self.may_cancel(order, any_shipped=lines["any_shipped"]),
            may_receive=order.status in RECEIVABLE and member_may_receive(member=self.member, order=order),
            may_return=lines["returnable"] and member_may_request_return(member=self.member, order=order),
            returns=lines["returns"],
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        self.get_order()  # 404 for another business's number, before saying the method is wrong
        return HttpResponseNotAllowed(["GET"])


class OrderCancelView(OrderDetailView):
    def get(self, request, *args, **kwargs):
        order = self.get_order()
        return redirect("orders:order_detail", po_number=order.po_number)

    def post(self, request, *args, **kwargs):
        order = self.get_order()
        if not self.may_cancel(order):
            if order_cancellable(order):
                raise PermissionDenied("Only the buyer or an admin can cancel this order.")
            messages.error(request, "This order can no longer be cancelled here: part of it has shipped or it is closed.")
            return redirect("orders:order_detail", po_number=order.po_number)
        try:
            order_cancel(order=order, acting_user=request.user, reason=f"by {self.member.name}")
        except ShippingError as exc:
            error_to_message(request, exc)
        else:
            messages.success(request, f"Order {order.po_number} is cancelled; its amount went back to the budget.")
        return redirect("orders:order_detail", po_number=order.po_number)


class FindView(MemberRequiredMixin, TemplateView):
    template_name = "orders/shop/find.html"

    def get(self, request, *args, **kwargs):
        query = request.GET.get("q", "").strip()[:64]
        if not query:
            return self.render_to_response(self.get_context_data(query="", page_obj=None, message="Enter a PO number to find its order."))
        exact, partial = order_find(member=self.member, query=query)
        if exact is not None:
            return redirect("orders:order_detail", po_number=exact.po_number)
        # Finance and admins also find invoices and payments by PO or invoice number.
        found = (
            finance_find(business=self.business, q=query)
            if member_is_finance(self.member)
            else {"invoices": [], "payments": []}
        )
        exact_invoice = next((i for i in found["invoices"] if i.number.lower() == query.lower()), None)
        if exact_invoice is not None:
            return redirect("orders:invoice_detail", invoice_number=exact_invoice.number)
        page = _page(request, partial)
        nothing = not (page.paginator.count or found["invoices"] or found["payments"])
        message = f"No order, invoice or payment with a PO number like “{query}”." if nothing else ""
        return self.render_to_response(self.get_context_data(
            query=query, page_obj=page, orders=order_rows_of(page.object_list, business=self.business), message=message,
            invoices=found["invoices"], payments=found["payments"],
        ))
