"""Finance pages: payments, bank statement import, month-end reconciliation.

Thin views: parse the form, call one service from orders.finance (payments, statements,
reconciliation), redirect with a message or re-render with errors. Finance role (in any group) or business
admin; everything scoped to the member's business."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import F, Q
from django.http import (
    FileResponse,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponseRedirect,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView

from orders.finance import reconciliation, statements
from orders.finance.payments import (
    PaymentError,
    month_is_closed,
    payment_mark_not_ours,
    payment_record,
    payment_resolve,
)
from orders.access import FinanceMixin  # finance pages: the whole business, see orders.access
from orders.models import Invoice, Order, Payment
from procurement.inputs import InputError, date_bounds_validator, date_parse

MAX_STATEMENT_BYTES = 5 * 1024 * 1024


SESSION_KEY = "finance_statement_import"


def _month_url(year: int, month: int) -> str:
    return f"{reverse('orders:reconciliation')}?month={year:04}-{month:02}"


def _safe_next(request, fallback: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return nxt
    return fallback


class PaymentForm(forms.Form):
    METHODS = [("ACH", "ACH"), ("Wire", "Wire transfer"), ("Check", "Check"), ("Card", "Card"), ("Other", "Other")]

    received_on = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}), initial=timezone.localdate,
                                  validators=[date_bounds_validator])
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0.01)
    method = forms.ChoiceField(choices=METHODS, initial="ACH")
    reference = forms.CharField(max_length=255, required=False, help_text="The bank's reference text, if any.")
    po_number = forms.CharField(label="PO number", max_length=64, required=False)
    invoice_number = forms.CharField(max_length=64, required=False,
                                     help_text="Give a PO number, an invoice number or both. Without either the payment stays unmatched.")


class StatementUploadForm(forms.Form):
    file = forms.FileField(label="Bank statement (CSV)")
    date_column = forms.CharField(max_length=100, help_text="Column header of the payment date.")
    amount_column = forms.CharField(max_length=100)
    reference_column = forms.CharField(max_length=100, label="Reference / description column")
    date_format = forms.ChoiceField(choices=list(statements.DATE_FORMATS.items()))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_STATEMENT_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB; split the statement by month.")
        return upload

    def mapping(self) -> dict:
        d = self.cleaned_data
        return {"date": d["date_column"], "amount": d["amount_column"], "reference": d["reference_column"],
                "date_format": d["date_format"]}


class ResolveForm(forms.Form):
    number = forms.CharField(label="Invoice or PO number", max_length=64, required=False)
    action = forms.ChoiceField(choices=[("apply", "Apply"), ("not_ours", "Not ours")], initial="apply")


class PaymentListView(FinanceMixin, TemplateView):
    template_name = "orders/finance/payments.html"
    STATUSES = [("unmatched", "Unmatched"), ("matched", "Matched"), ("overpaid", "Overpaid"), ("not_ours", "Not ours")]

    def get_context_data(self, **kwargs):
        qs = self.scoped(Payment).select_related("statement_import")
        g = self.request.GET
        status = g.get("status", "")
        if status == "overpaid":
            qs = qs.filter(status=Payment.Status.MATCHED, amount_applied__lt=F("amount"))
        elif status in Payment.Status.values:
            qs = qs.filter(status=status)
        if q := g.get("q", "").strip():
            qs = qs.filter(Q(reference__icontains=q) | Q(po_number__icontains=q) | Q(invoice_number__icontains=q))
        for key, lookup in (("date_from", "received_on__gte"), ("date_to", "received_on__lte")):
            try:
                if day := date_parse(g.get(key)):
                    qs = qs.filter(**{lookup: day})
            except InputError as exc:
                messages.error(self.request, str(exc))
        page = Paginator(qs.order_by("-received_on", "-id"), 50).get_page(g.get("page"))
        return super().get_context_data(page_obj=page, payments=page.object_list, statuses=self.STATUSES,
                                        status=status, q=g.get("q", ""), **kwargs)


class PaymentCreateView(FinanceMixin, View):
    template_name = "orders/finance/payment_form.html"

    def get(self, request):
        initial = {k: request.GET[k] for k in ("po_number", "invoice_number", "amount") if request.GET.get(k)}
        return self._render(PaymentForm(initial=initial))

    def post(self, request):
        form = PaymentForm(request.POST)
        if form.is_valid():
            try:
                payment = payment_record(business=self.business, acting_user=request.user, **form.cleaned_data)
            except PaymentError as exc:
                form.add_error(None, str(exc))
            else:
                if payment.status == Payment.Status.MATCHED:
                    note = f"applied {payment.amount_applied} to invoices"
                    if payment.unapplied:
                        note += f"; {payment.unapplied} stays as a credit (overpaid)"
                else:
                    note = "unmatched: resolve it on the Reconciliation page"
                messages.success(request, f"Payment of {payment.amount} recorded, {note}.")
                return redirect("orders:payment_detail", payment_id=payment.pk)
        return self._render(form)

    def _render(self, form):
        return render(self.request, self.template_name, {"form": form})


class PaymentDetailView(FinanceMixin, TemplateView):
    template_name = "orders/finance/payment_detail.html"

    def post(self, request, payment_id):
        # Another business's payment is a 404 whatever the method; changes go to payment_resolve.
        self.get_scoped_or_404(Payment, pk=payment_id)
        return HttpResponseNotAllowed(["GET"])

    def get_context_data(self, **kwargs):
        payment = self.get_scoped_or_404(Payment.objects.select_related("resolved_by__user", "statement_import", "created_by"),
                                         pk=kwargs["payment_id"])
        allocations = payment.allocations.select_related("invoice__order", "created_by").order_by("id")
        history = payment.history.select_related("history_user").order_by("-history_date")[:50]
        if payment.status == Payment.Status.UNMATCHED:
            payment.suggestions = statements.payment_suggestions(business=self.business, payments=[payment]).get(payment.pk, [])
        return super().get_context_data(
            payment=payment, allocations=allocations, history=history,
            month_closed=reconciliation_month_closed(self.business, payment.received_on),
            resolve_form=ResolveForm(initial={"number": payment.invoice_number or payment.po_number}), **kwargs,
        )


def reconciliation_month_closed(business, day) -> bool:
    return month_is_closed(business=business, on=day)


class PaymentResolveView(FinanceMixin, View):
    """Apply an unmatched (or overpaid) payment to an invoice or PO, or mark it not ours."""

    def get(self, request, payment_id):
        payment = self.get_scoped_or_404(Payment, pk=payment_id)
        return redirect("orders:payment_detail", payment_id=payment.pk)

    def post(self, request, payment_id):
        payment = self.get_scoped_or_404(Payment, pk=payment_id)
        back = _safe_next(request, reverse("orders:payment_detail", kwargs={"payment_id": payment.pk}))
        form = ResolveForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose an invoice or PO number, or mark the payment as not ours.")
            return HttpResponseRedirect(back)
        try:
            if form.cleaned_data["action"] == "not_ours":
                payment_mark_not_ours(payment=payment, member=self.member, acting_user=request.user)
                messages.success(request, f"Payment of {payment.amount} on {payment.received_on} marked as not ours.")
                return HttpResponseRedirect(back)
            number = form.cleaned_data["number"].strip()
            if not number:
                raise PaymentError("Type the invoice or PO number this payment pays.")
            invoice = self.scoped(Invoice).select_related("order").filter(number__iexact=number).first()
            order = None if invoice else self.scoped(Order).filter(po_number__iexact=number).first()
            if invoice is None and order is None:
                raise PaymentError(f"No invoice or PO number “{number}” in your business.")
            payment = payment_resolve(payment=payment, member=self.member, acting_user=request.user, invoice=invoice, order=order)
        except PaymentError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Payment of {payment.amount} applied: {payment.resolution_note}.")
        return HttpResponseRedirect(back)


class StatementImportView(FinanceMixin, View):
    """Upload with a column mapping → preview (nothing saved) → confirm (all rows or none)."""

    template_name = "orders/finance/statement_import.html"

    def _initial(self):
        mapping = {**statements.DEFAULT_MAPPING, **(self.business.statement_csv_mapping or {})}
        return {"date_column": mapping["date"], "amount_column": mapping["amount"],
                "reference_column": mapping["reference"], "date_format": mapping["date_format"]}

    def _render(self, **context):
        context.setdefault("form", StatementUploadForm(initial=self._initial()))
        return render(self.request, self.template_name, context)

    def get(self, request):
        return self._render()

    def post(self, request):
        if request.POST.get("action") == "confirm":
            return self._confirm(request)
        if request.POST.get("action") == "cancel":
            request.session.pop(SESSION_KEY, None)
            messages.info(request, "Import cancelled; nothing was saved.")
            return redirect("orders:statement_import")
        form = StatementUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(form=form)
        upload = form.cleaned_data["file"]
        try:
            text = statements.decode_upload(upload.read())
            rows = statements.statement_preview(business=self.business, text=text, mapping=form.mapping())
        except statements.StatementError as exc:
            return self._render(form=form, errors=exc.errors, filename=upload.name)
        request.session[SESSION_KEY] = {"text": text, "mapping": form.mapping(), "filename": upload.name}
        counts = {s: sum(1 for r in rows if r.status == s) for s in ("matched", "ambiguous", "unmatched", "duplicate")}
        return self._render(form=form, rows=rows, counts=counts, filename=upload.name, preview=True)

    def _confirm(self, request):
        pending = request.session.get(SESSION_KEY)
        if not pending:
            messages.error(request, "Nothing to import: upload the statement again.")
            return redirect("orders:statement_import")
        try:
            result = statements.statement_import(
                business=self.business, text=pending["text"], mapping=pending["mapping"],
                filename=pending["filename"], member=self.member, acting_user=request.user,
            )
        except statements.StatementError as exc:
            return self._render(errors=exc.errors, filename=pending["filename"])
        request.session.pop(SESSION_KEY, None)
        if result.statement_import is None:
            messages.info(request, f"Nothing new: all {result.duplicates} rows were imported before.")
            return redirect("orders:payments")
        messages.success(
            request,
            f"Imported {result.matched + result.to_resolve} payments from {pending['filename']}: {result.matched} matched, "
            f"{result.to_resolve} to resolve" + (f", {result.duplicates} already imported" if result.duplicates else "") + ".",
        )
        year, month = result.months[-1]
        return HttpResponseRedirect(_month_url(year, month))


class ReconciliationView(FinanceMixin, TemplateView):
    template_name = "orders/finance/reconciliation.html"

    def get_context_data(self, **kwargs):
        year, month = reconciliation.parse_month(self.request.GET.get("month"))
        summary = reconciliation.reconciliation_month(business=self.business, year=year, month=month)
        payments = reconciliation.month_payments(business=self.business, year=year, month=month)
        attention = list(payments.filter(
            Q(status=Payment.Status.UNMATCHED) | Q(status=Payment.Status.MATCHED, amount_applied__lt=F("amount"))
        )[:200])
        suggestions = statements.payment_suggestions(
            business=self.business, payments=[p for p in attention if p.status == Payment.Status.UNMATCHED]
        )
        for p in attention:
            p.suggestions = suggestions.get(p.pk, [])
        invoices = Paginator(reconciliation.month_invoices(business=self.business, year=year, month=month), 50)
        payment_page = Paginator(payments, 50).get_page(self.request.GET.get("ppage"))
        prev_month = summary.start - datetime.timedelta(days=1)
        open_invoices = (
            self.scoped(Invoice).filter(total__gt=F("amount_paid")).exclude(status=Invoice.Status.VOID)
            .select_related("order").order_by("issued_on", "id")[:200]
        )
        return super().get_context_data(
            summary=summary, attention=attention, invoice_page=invoices.get_page(self.request.GET.get("ipage")),
            payment_page=payment_page, prev_month=f"{prev_month:%Y-%m}", next_month=f"{summary.end:%Y-%m}",
            today=timezone.localdate(), open_invoices=open_invoices, here=self.request.get_full_path(), **kwargs,
        )


class ReconciliationCloseView(FinanceMixin, View):
    """Close month / Reopen (POST month=YYYY-MM, action=close|reopen)."""

    def get(self, request):
        return redirect("orders:reconciliation")

    def post(self, request):
        year, month = reconciliation.parse_month(request.POST.get("month"))
        label = datetime.date(year, month, 1).strftime("%B %Y")
        if request.POST.get("action") == "reopen":
            try:
                reconciliation.month_reopen(business=self.business, year=year, month=month, member=self.member, acting_user=request.user)
            except ValueError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, f"{label} reopened; its payments can be changed again.")
        else:
            reconciliation.month_close(business=self.business, year=year, month=month, member=self.member, acting_user=request.user)
            messages.success(request, f"{label} closed; its matches are locked.")
        return HttpResponseRedirect(_month_url(year, month))


class ReconciliationExportView(FinanceMixin, View):
    def get(self, request):
        year, month = reconciliation.parse_month(request.GET.get("month"))
        summary = reconciliation.reconciliation_month(business=self.business, year=year, month=month)
        name = f"reconciliation-{summary.key}"
        if request.GET.get("format") == "xlsx":
            return FileResponse(reconciliation.reconciliation_xlsx(business=self.business, summary=summary),
                                as_attachment=True, filename=f"{name}.xlsx")
        response = HttpResponse(reconciliation.reconciliation_csv(business=self.business, summary=summary),
                                content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
