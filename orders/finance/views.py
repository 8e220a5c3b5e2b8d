"""Finance pages: payments, bank statement import, month-end reconciliation.

Thin views: read the form (forms.py), call one service from orders.finance (payments, statements,
reconciliation), redirect with a message or re-render with errors. Finance role (in any group) or business
admin; everything scoped to the member's business."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
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

from orders.access import FinanceMixin
from orders.finance import reconciliation, statements
from orders.finance.matching import DEFAULT_DAYS, KINDS, invoice_in_mismatch, mismatch_csv, mismatch_rows
from orders.finance.forms import PaymentFilter, PaymentForm, RefundForm, ResolveForm, StatementUploadForm
from orders.finance.payments import (
    PaymentError,
    invoices_open,
    month_is_closed,
    payment_mark_not_ours,
    payment_record,
    payment_resolve,
    payment_target_find,
    payment_targets,
    payments_needing_attention,
)
from orders.finance.refunds import credit_note_find, credit_notes_to_refund, refund_record
from orders.finance.selectors import payment_list, refunds_recent
from orders.models import Payment
from procurement.tenancy import Role, member_group_ids
from procurement.errors import ApplicationError, error_to_form, error_to_message
from procurement.jobs.views import job_start, job_token

SESSION_KEY = "finance_statement_import"
#: The preview table shows this many rows; the counts above it cover the whole file.
PREVIEW_ROWS = 500


def _month_url(year: int, month: int) -> str:
    return f"{reverse('orders:reconciliation')}?month={year:04}-{month:02}"


def _safe_next(request, fallback: str) -> str:
    nxt = request.POST.get("next") or request.GET.get("next")
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return nxt
    return fallback


class PaymentListView(FinanceMixin, TemplateView):
    template_name = "orders/finance/payments.html"
    STATUSES = PaymentFilter.STATUSES

    def get_context_data(self, **kwargs):
        g = self.request.GET
        qs, errors = payment_list(business=self.business, data=g)
        for error in errors:
            messages.error(self.request, error)
        page = Paginator(qs, 50).get_page(g.get("page"))
        return super().get_context_data(page_obj=page, payments=page.object_list, statuses=self.STATUSES,
                                        status=g.get("status", ""), q=g.get("q", ""),
                                        refunds=refunds_recent(business=self.business), **kwargs)


class RefundCreateView(FinanceMixin, View):
    """Record a refund against a credit note; the page lists the credit notes still owed back."""

    template_name = "orders/finance/refund_form.html"

    def get(self, request):
        initial = {}
        if request.GET.get("credit_note"):
            initial["credit_note_number"] = request.GET["credit_note"][:64]
        return self._render(RefundForm(initial=initial))

    def post(self, request):
        form = RefundForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                credit_note = credit_note_find(business=self.business, number=data["credit_note_number"])
                refund = refund_record(
                    business=self.business, credit_note=credit_note, received_on=data["received_on"], amount=data["amount"],
                    method=data["method"], reference=data["reference"], acting_user=request.user,
                )
            except PaymentError as exc:
                error_to_form(form, exc)
            else:
                messages.success(request, f"Refund of {refund.amount} recorded against credit note {credit_note.number}.")
                return redirect("orders:payments")
        return self._render(form, status=400)

    def _render(self, form, status=200):
        return render(self.request, self.template_name,
                      {"form": form, "to_refund": credit_notes_to_refund(business=self.business)}, status=status)


class PaymentCreateView(FinanceMixin, View):
    template_name = "orders/finance/payment_form.html"

    def get(self, request):
        initial = {k: request.GET[k] for k in ("po_number", "invoice_number", "amount") if request.GET.get(k)}
        return self._render(PaymentForm(initial=initial))

    def post(self, request):
        form = PaymentForm(request.POST)
        if form.is_valid() and not self._mismatch_confirmed(form):
            return self._render(form, mismatches=self.mismatches)
        if form.is_valid():
            try:
                payment = payment_record(business=self.business, acting_user=request.user, **form.cleaned_data)
            except PaymentError as exc:
                error_to_form(form, exc)
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

    def _mismatch_confirmed(self, form) -> bool:
        """Paying an invoice in three-way mismatch needs a reason (recorded on the payment)."""
        data = form.cleaned_data
        self.mismatches = []
        if not (data.get("po_number") or data.get("invoice_number")):
            return True
        try:
            targets = payment_targets(business=self.business, po_number=data.get("po_number", ""),
                                      invoice_number=data.get("invoice_number", ""))
        except PaymentError:
            return True  # payment_record says what is wrong
        self.mismatches = [(inv, labels) for inv in targets if (labels := invoice_in_mismatch(inv))]
        if not self.mismatches or (data.get("mismatch_reason") or "").strip():
            return True
        form.fields["mismatch_reason"].widget = forms.TextInput()
        if "mismatch_reason" in self.request.POST:
            form.add_error("mismatch_reason", "Say why you pay despite the mismatch.")
        return False

    def _render(self, form, mismatches=()):
        return render(self.request, self.template_name, {"form": form, "mismatches": mismatches})


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
            month_closed=month_is_closed(business=self.business, on=payment.received_on),
            resolve_form=ResolveForm(initial={"number": payment.invoice_number or payment.po_number}), **kwargs,
        )


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
            invoice, order = payment_target_find(business=self.business, number=form.cleaned_data["number"])
            payment = payment_resolve(payment=payment, member=self.member, acting_user=request.user, invoice=invoice, order=order)
        except PaymentError as exc:
            error_to_message(request, exc)
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
        request.session[SESSION_KEY] = {"text": text, "mapping": form.mapping(), "filename": upload.name,
                                        "rows": len(rows), "token": job_token()}
        counts = {s: sum(1 for r in rows if r.status == s) for s in ("matched", "ambiguous", "unmatched", "duplicate", "not_booked")}
        return self._render(form=form, rows=rows[:PREVIEW_ROWS], total_rows=len(rows), counts=counts,
                            filename=upload.name, preview=True, background=len(rows) > statements.SYNC_ROWS_MAX)

    def _confirm(self, request):
        pending = request.session.get(SESSION_KEY)
        if not pending:
            messages.error(request, "Nothing to import: upload the statement again.")
            return redirect("orders:statement_import")
        if pending.get("rows", 0) > statements.SYNC_ROWS_MAX:
            # A large file: the confirm runs as a background job with a progress page.
            request.session.pop(SESSION_KEY, None)
            return job_start(
                request, member=self.member, kind="statement_import", token=pending.get("token", ""),
                params={"mapping": pending["mapping"], "filename": pending["filename"]},
                title=f"Bank statement import: {pending['filename']}"[:200], fallback_url=reverse("orders:statement_import"),
                input_name="statement.csv", input_content=pending["text"].encode("utf-8"),
            )
        try:
            result = statements.statement_import(
                business=self.business, text=pending["text"], mapping=pending["mapping"],
                filename=pending["filename"], member=self.member, acting_user=request.user,
            )
        except statements.StatementError as exc:
            return self._render(errors=exc.errors, filename=pending["filename"])
        request.session.pop(SESSION_KEY, None)
        listed = f"; {result.not_booked} debits or reversals listed only" if result.not_booked else ""
        if result.statement_import is None:
            messages.info(request, f"Nothing new: all {result.duplicates} payments were imported before{listed}."
                          if result.duplicates else f"Nothing imported: the file has no credits to book{listed}.")
            return redirect("orders:payments")
        messages.success(
            request,
            f"Imported {result.matched + result.to_resolve} payments from {pending['filename']}: {result.matched} matched, "
            f"{result.to_resolve} to resolve" + (f", {result.duplicates} already imported" if result.duplicates else "")
            + listed + ".",
        )
        year, month = result.months[-1]
        return HttpResponseRedirect(_month_url(year, month))


class ReconciliationView(FinanceMixin, TemplateView):
    template_name = "orders/finance/reconciliation.html"

    def get_context_data(self, **kwargs):
        year, month = reconciliation.parse_month(self.request.GET.get("month"))
        summary = reconciliation.reconciliation_month(business=self.business, year=year, month=month)
        payments = reconciliation.month_payments(business=self.business, year=year, month=month)
        attention = list(payments_needing_attention(business=self.business, payments=payments)[:200])
        suggestions = statements.payment_suggestions(
            business=self.business, payments=[p for p in attention if p.status == Payment.Status.UNMATCHED]
        )
        for p in attention:
            p.suggestions = suggestions.get(p.pk, [])
        invoices = Paginator(reconciliation.month_invoices(business=self.business, year=year, month=month), 50)
        payment_page = Paginator(payments, 50).get_page(self.request.GET.get("ppage"))
        prev_month = summary.start - datetime.timedelta(days=1)
        open_invoices = invoices_open(business=self.business).select_related("order")[:200]
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
            except ApplicationError as exc:
                error_to_message(request, exc)
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


class ThreeWayMatchFilterForm(forms.Form):
    kind = forms.ChoiceField(label="Mismatch", required=False, choices=[("", "Every mismatch"), *KINDS.items()])
    days = forms.IntegerField(label="Not received after (days)", required=False, min_value=0, max_value=365,
                              initial=DEFAULT_DAYS)
    po_number = forms.CharField(label="PO number", required=False, max_length=64)


class ThreeWayMatchView(FinanceMixin, TemplateView):
    """Finance: orders whose ordered / received / invoiced quantities disagree; filter and CSV export."""

    template_name = "orders/finance/three_way_match.html"

    def get(self, request, *args, **kwargs):
        form = ThreeWayMatchFilterForm(request.GET or None)
        data = form.cleaned_data if form.is_valid() else {}
        group_ids = None if self.member.is_business_admin else member_group_ids(self.member, Role.FINANCE)
        rows = mismatch_rows(
            business_id=self.business.pk, group_ids=group_ids, kind=data.get("kind") or "",
            days=data.get("days") if data.get("days") is not None else DEFAULT_DAYS, po_number=data.get("po_number") or "",
        )
        if request.GET.get("format") == "csv":
            response = HttpResponse(mismatch_csv(rows), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="three-way-match.csv"'
            return response
        page = Paginator(rows, 50).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        query["format"] = "csv"
        return self.render_to_response(self.get_context_data(
            form=form, rows=page.object_list, page_obj=page, csv_query=query.urlencode(), tab="three_way_match",
        ))
