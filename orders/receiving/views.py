"""Record or correct the receipt of a shipment, from the order page (and from the dock's verify page)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from orders.receiving.forms import ReceiptForm
from orders.receiving.selectors import (
    receipt_history, receipt_lines, shipment_for_receiving, shipment_lines, shipment_receipt,
)
from orders.receiving.services import ReceivingError, member_may_receive, receipt_record
from procurement.tenancy import MemberRequiredMixin


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
