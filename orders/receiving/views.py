"""Record or correct the receipt of a shipment, from the order page (and from the dock's verify page)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from orders.access import order_visible_to
from orders.documents.dock import DockLinkExpired, DockLinkInvalid, dock_claim
from orders.receiving.forms import ReceiptForm
from orders.receiving.selectors import (
    receipt_history, receipt_lines, shipment_for_dock, shipment_for_receiving, shipment_lines, shipment_receipt,
)
from orders.receiving.services import RECEIVABLE, ReceivingError, member_may_receive, receipt_record
from procurement.tenancy import MemberRequiredMixin, member_for_user


class ReceiptView(MemberRequiredMixin, TemplateView):
    template_name = "orders/shop/receive.html"

    def get_shipment(self):
        shipment = shipment_for_receiving(
            business_id=self.business.pk, po_number=self.kwargs["po_number"], shipment_id=self.kwargs["shipment_id"]
        )
        if shipment is None:
            raise Http404("No such shipment.")
        if not member_may_receive(member=self.member, order=shipment.order):
            raise PermissionDenied("Only the buyer or a receiver of the group can record a receipt.")
        return shipment

    def form_for(self, shipment, receipt, data=None):
        return ReceiptForm(
            data, shipment_lines=shipment_lines(shipment), receipt_lines=receipt_lines(receipt),
            initial={"received_on": receipt.received_on, "note": receipt.note} if receipt else None,
        )

    def render_form(self, shipment, receipt, form, status=200):
        context = self.get_context_data(
            shipment=shipment, order=shipment.order, receipt=receipt, form=form, history=receipt_history(receipt),
            action=reverse("orders:receipt", kwargs={"po_number": shipment.order.po_number, "shipment_id": shipment.pk}),
        )
        return self.render_to_response(context, status=status)

    def get(self, request, *args, **kwargs):
        shipment = self.get_shipment()
        receipt = shipment_receipt(shipment)
        return self.render_form(shipment, receipt, self.form_for(shipment, receipt))

    def post(self, request, *args, **kwargs):
        shipment = self.get_shipment()
        receipt = shipment_receipt(shipment)
        form = self.form_for(shipment, receipt, request.POST)
        if form.is_valid():
            try:
                receipt_record(
                    shipment=shipment, counts=form.counts(), received_on=form.cleaned_data["received_on"],
                    note=form.cleaned_data["note"], member=self.member, acting_user=request.user,
                )
            except ReceivingError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Receipt {'corrected' if receipt else 'recorded'} for {shipment.order.po_number}.")
                return redirect("orders:order_detail", po_number=shipment.order.po_number)
        return self.render_form(shipment, receipt, form, status=400)


class DockVerifyView(TemplateView):
    """Scan to verify at the dock: the QR code's signed link (``?b=<business>&t=<token>``).

    Anyone: whether the PO is genuine, and its group. A signed-in member of the business who sees the
    order: cost center, ship-to and the expected lines; the buyer or a receiver also records the
    receipt here (phone-friendly). Tampered, rotated or expired links get a clear refusal (status 400).
    """

    template_name = "orders/shop/dock_verify.html"

    def resolve(self, request):
        params = request.GET if request.method == "GET" else request.POST
        self.link = {"b": params.get("b", ""), "t": params.get("t", "")}
        try:
            claim = dock_claim(business=self.link["b"], token=self.link["t"])
        except DockLinkExpired:
            return None, "expired"
        except DockLinkInvalid:
            return None, "invalid"
        shipment = shipment_for_dock(business_id=claim.business_id, shipment_id=claim.shipment_id)
        if shipment is None or shipment.order.po_number != claim.po_number:
            return None, "invalid"
        return shipment, ""

    def context_for(self, request, shipment):
        member = member_for_user(request.user)
        order = shipment.order
        insider = member is not None and order_visible_to(order=order, member=member)
        may_receive = insider and order.status in RECEIVABLE and member_may_receive(member=member, order=order)
        return member, {
            "shipment": shipment, "order": order, "insider": insider, "may_receive": may_receive,
            "link": self.link, "lines": shipment_lines(shipment) if insider else [],
        }

    def get(self, request, *args, **kwargs):
        shipment, refusal = self.resolve(request)
        if shipment is None:
            return self.render_to_response({"refusal": refusal}, status=400)
        _, context = self.context_for(request, shipment)
        if context["may_receive"]:
            receipt = shipment_receipt(shipment)
            context.update(receipt=receipt, form=ReceiptForm(
                shipment_lines=context["lines"], receipt_lines=receipt_lines(receipt),
                initial={"received_on": receipt.received_on, "note": receipt.note} if receipt else None,
            ))
        return self.render_to_response(context)

    def post(self, request, *args, **kwargs):
        shipment, refusal = self.resolve(request)
        if shipment is None:
            return self.render_to_response({"refusal": refusal}, status=400)
        member, context = self.context_for(request, shipment)
        if not context["may_receive"]:
            raise PermissionDenied("Sign in as the buyer or a receiver of the group to record the receipt.")
        receipt = shipment_receipt(shipment)
        form = ReceiptForm(request.POST, shipment_lines=context["lines"], receipt_lines=receipt_lines(receipt))
        if form.is_valid():
            try:
                receipt_record(shipment=shipment, counts=form.counts(), received_on=form.cleaned_data["received_on"],
                               note=form.cleaned_data["note"], member=member, acting_user=request.user)
            except ReceivingError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Receipt recorded for {shipment.order.po_number}.")
                return redirect("orders:order_detail", po_number=shipment.order.po_number)
        context.update(receipt=receipt, form=form)
        return self.render_to_response(context, status=400)
