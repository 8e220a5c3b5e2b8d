"""API views: thin, like the web pages. Every queryset starts from the token member's business and the
rules of orders.access / procurement.tenancy / budgets.selectors; an object of another business is 404."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.pagination import CursorPagination, PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from budgets.models import Budget
from budgets.selectors import budget_ledger, budgets_visible_to
from orders.access import order_visible_to, orders_visible
from orders.analytics.selectors import ReportFilterError, orders_report, report_filters
from orders.approvals.services import order_approve, order_reject
from orders.catalog.services import cart_add, cart_clear
from orders.checkout.services import order_place
from orders.documents.downloads import einvoice_response, order_ubl_response
from orders.documents.einvoice import EInvoiceError
from orders.documents.rendering import PdfUnavailable
from orders.documents.selectors import credit_notes_of, invoice_list
from orders.finance.payments import payment_record
from orders.finance.selectors import payment_list
from orders.finance.statements import StatementError, statement_import, statement_preview
from orders.models import Order, Product
from procurement.models import Address, Group, Member
from procurement.tenancy import Role, member_group_ids, member_has_role

from . import serializers as s
from .permissions import IsFinance
from .problems import problem_response

PROBLEM = OpenApiResponse(description="RFC 9457 problem details (application/problem+json).")
ERRORS = {400: PROBLEM, 401: PROBLEM, 403: PROBLEM, 404: PROBLEM, 429: PROBLEM}


class Pages(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


def _q(name: str, description: str, type_=str, enum=None) -> OpenApiParameter:
    return OpenApiParameter(name, type_, OpenApiParameter.QUERY, required=False, description=description, enum=enum)


# --- Orders ------------------------------------------------------------------------------------------


ORDER_FILTERS = [
    _q("po_number", "Part of the PO number."),
    _q("status", "Order status.", enum=list(Order.Status.values)),
    _q("group", "Group id.", int),
    _q("blanket_po_number", "Part of the Blanket PO number."),
    _q("placed_from", "Placed on or after (YYYY-MM-DD).", OpenApiTypes.DATE),
    _q("placed_to", "Placed on or before (YYYY-MM-DD).", OpenApiTypes.DATE),
]


def _order_filter(queryset, params):
    from django import forms

    class F(forms.Form):
        po_number = forms.CharField(required=False, max_length=64)
        status = forms.ChoiceField(required=False, choices=[("", "")] + list(Order.Status.choices))
        group = forms.IntegerField(required=False, min_value=1, max_value=2**62)
        blanket_po_number = forms.CharField(required=False, max_length=64)
        placed_from = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
        placed_to = forms.DateField(required=False, input_formats=["%Y-%m-%d"])

    form = F(params)
    if not form.is_valid():
        raise ValidationError({k: [str(m) for m in v] for k, v in form.errors.items()})
    d = form.cleaned_data
    if d["po_number"]:
        queryset = queryset.filter(po_number__icontains=d["po_number"])
    if d["status"]:
        queryset = queryset.filter(status=d["status"])
    if d["group"]:
        queryset = queryset.filter(group_id=d["group"])
    if d["blanket_po_number"]:
        queryset = queryset.filter(blanket_po_number__icontains=d["blanket_po_number"])
    if d["placed_from"]:
        queryset = queryset.filter(placed_at__date__gte=d["placed_from"])
    if d["placed_to"]:
        queryset = queryset.filter(placed_at__date__lte=d["placed_to"])
    return queryset


def _order_for(view, po_number: str) -> Order:
    """The order by PO number in the member's business, if the member may see it; else 404."""
    order = get_object_or_404(
        Order.objects.filter(business_id=view.member.business_id).select_related("group", "buyer__user"),
        po_number=po_number,
    )
    if not order_visible_to(order=order, member=view.member):
        raise Http404  # an order you may not see does not exist for you
    return order


class OrderListView(generics.ListAPIView):
    """Orders you may see (yours; all of your groups' as approver, finance or group admin; all as admin)."""

    serializer_class = s.OrderSerializer
    pagination_class = Pages

    def get_queryset(self):
        qs = orders_visible(member=self.member).select_related("group", "buyer__user").prefetch_related("field_values")
        return _order_filter(qs, self.request.query_params)

    @extend_schema(parameters=ORDER_FILTERS, responses={200: s.OrderSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=s.OrderPlaceSerializer,
        parameters=[OpenApiParameter(
            "Idempotency-Key", str, OpenApiParameter.HEADER, required=True,
            description="Any string up to 100 characters, unique per order you mean to place: a retry with "
            "the same key returns the first order (200) instead of placing a second (201).",
        )],
        responses={201: s.OrderDetailSerializer, 200: s.OrderDetailSerializer, **ERRORS},
    )
    def post(self, request):
        """Place an order (as on the checkout page), charging the Blanket PO you name."""
        key = request.headers.get("Idempotency-Key", "").strip()
        if not key or len(key) > 100:
            raise ValidationError({"Idempotency-Key": ["Send an Idempotency-Key header (1 to 100 characters)."]})
        body = s.OrderPlaceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        member = self.member
        token = uuid.uuid5(uuid.NAMESPACE_URL, f"procurement-api:{member.pk}:{key}")
        existing = Order.objects.filter(business_id=member.business_id, checkout_token=token).first()
        if existing is not None:
            return Response(s.OrderDetailSerializer(existing).data, status=status.HTTP_200_OK)
        group = Group.objects.filter(business_id=member.business_id, pk=d["group_id"]).first()
        address = Address.objects.filter(business_id=member.business_id, pk=d["address_id"]).first()
        budget = None
        if d.get("budget_id"):
            budget = Budget.objects.filter(business_id=member.business_id, pk=d["budget_id"]).first()
            if budget is None:
                raise ValidationError({"budget_id": ["No such budget in your business."]})
        if group is None:
            raise ValidationError({"group_id": ["No such group in your business."]})
        if address is None:
            raise ValidationError({"address_id": ["No such address in your business."]})
        with transaction.atomic():
            # One placing at a time per member: the cart is the member's, and a retry racing the first
            # request with the same key waits here, then finds its order.
            Member.objects.select_for_update().filter(pk=member.pk).first()
            existing = Order.objects.filter(business_id=member.business_id, checkout_token=token).first()
            if existing is not None:
                return Response(s.OrderDetailSerializer(existing).data, status=status.HTTP_200_OK)
            if "lines" in d:
                products = Product.objects.filter(sku__in=[line["sku"] for line in d["lines"]], active=True).in_bulk(field_name="sku")
                missing = sorted({line["sku"] for line in d["lines"]} - set(products))
                if missing:
                    raise ValidationError({"lines": [f"No such product: {', '.join(missing)}."]})
                cart_clear(member=member)
                for line in d["lines"]:
                    cart_add(member=member, product=products[line["sku"]], quantity=line["quantity"])
            result = order_place(
                member=member, group=group, budget=budget, address=address, po_number=d.get("po_number") or None,
                checkout_token=token, acting_user=request.user, information=d.get("order_information"),
            )
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(s.OrderDetailSerializer(result.order).data, status=code)


class OrderDetailView(APIView):
    @extend_schema(responses={200: s.OrderDetailSerializer, **ERRORS})
    def get(self, request, po_number: str):
        return Response(s.OrderDetailSerializer(_order_for(self, po_number)).data)


class OrderUblView(APIView):
    @extend_schema(responses={(200, "application/xml"): OpenApiTypes.BINARY, 409: PROBLEM, **ERRORS})
    def get(self, request, po_number: str):
        """The order as a UBL 2.1 Order XML: PO number, Blanket PO as the contract reference, buyer, ship-to, lines."""
        order = _order_for(self, po_number)
        try:
            return order_ubl_response(order)
        except EInvoiceError as exc:
            return problem_response(status_code=409, title="Order XML unavailable", detail=str(exc), instance=request.get_full_path())


class OrderApproveView(APIView):
    @extend_schema(request=None, responses={200: s.OrderDetailSerializer, **ERRORS})
    def post(self, request, po_number: str):
        """Approve the current level of a pending order (its deciders, their delegates, business admins);
        the last level places it (the amount was reserved at checkout)."""
        order = _order_for(self, po_number)
        order = order_approve(order=order, approver=self.member, acting_user=request.user)
        return Response(s.OrderDetailSerializer(order).data)


class OrderRejectView(APIView):
    @extend_schema(request=s.RejectSerializer, responses={200: s.OrderDetailSerializer, **ERRORS})
    def post(self, request, po_number: str):
        """Reject a pending order with a reason for the buyer."""
        order = _order_for(self, po_number)
        body = s.RejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        order = order_reject(order=order, approver=self.member, reason=body.validated_data["reason"], acting_user=request.user)
        return Response(s.OrderDetailSerializer(order).data)


# --- Invoices ----------------------------------------------------------------------------------------


INVOICE_FILTERS = [
    _q("po_number", "Part of the PO number."),
    _q("status", "Invoice status.", enum=["open", "partly_paid", "paid", "void"]),
    _q("group", "Group id.", int),
    _q("issued_from", "Issued on or after (YYYY-MM-DD).", OpenApiTypes.DATE),
    _q("issued_to", "Issued on or before (YYYY-MM-DD).", OpenApiTypes.DATE),
]


class InvoiceListView(generics.ListAPIView):
    """Invoices: business admins all; finance members those of their groups (as the Invoices page)."""

    permission_classes = [IsFinance]
    serializer_class = s.InvoiceSerializer
    pagination_class = Pages

    def get_queryset(self):
        params = {k: v for k, v in self.request.query_params.items() if k in {"po_number", "status", "group", "issued_from", "issued_to"}}
        queryset, filterset = invoice_list(member=self.member, data=params)
        if params and not filterset.is_valid():
            raise ValidationError({k: [str(m) for m in v] for k, v in filterset.errors.items()})
        return queryset

    @extend_schema(parameters=INVOICE_FILTERS, responses={200: s.InvoiceSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class InvoiceDetailView(APIView):
    permission_classes = [IsFinance]

    @extend_schema(responses={200: s.InvoiceDetailSerializer, **ERRORS})
    def get(self, request, invoice_number: str):
        queryset, _ = invoice_list(member=self.member, data=None)
        invoice = get_object_or_404(queryset.prefetch_related("lines", "credit_notes"), number=invoice_number)
        return Response(s.InvoiceDetailSerializer(invoice).data)


class _EInvoiceView(APIView):
    """The invoice or credit note as an EN 16931 e-invoice (orders.documents.downloads), for those you may see."""

    permission_classes = [IsFinance]
    syntax = "ubl"

    def get_object(self, number: str):
        queryset, _ = invoice_list(member=self.member, data=None)
        return get_object_or_404(queryset, number=number)

    def get(self, request, number: str):
        document = self.get_object(number)
        try:
            return einvoice_response(document, syntax=self.syntax, request=request._request)
        except EInvoiceError as exc:
            return problem_response(status_code=409, title="E-invoice unavailable", detail=str(exc), instance=request.get_full_path())
        except PdfUnavailable as exc:
            return problem_response(status_code=503, title="PDF unavailable", detail=str(exc), instance=request.get_full_path())


UBL_RESPONSES = {(200, "application/xml"): OpenApiTypes.BINARY, 409: PROBLEM, **ERRORS}
FACTURX_RESPONSES = {(200, "application/pdf"): OpenApiTypes.BINARY, 409: PROBLEM, 503: PROBLEM, **ERRORS}


class InvoiceUblView(_EInvoiceView):
    syntax = "ubl"

    @extend_schema(responses=UBL_RESPONSES)
    def get(self, request, invoice_number: str):
        """UBL 2.1 XML (Peppol BIS Billing 3.0, EN 16931) with the PO number in BT-13."""
        return super().get(request, invoice_number)


class InvoiceFacturXView(_EInvoiceView):
    syntax = "facturx"

    @extend_schema(responses=FACTURX_RESPONSES)
    def get(self, request, invoice_number: str):
        """Factur-X (EN 16931 profile): a PDF/A-3 with the CII XML embedded."""
        return super().get(request, invoice_number)


class _CreditNoteEInvoiceView(_EInvoiceView):
    def get_object(self, number: str):
        invoices, _ = invoice_list(member=self.member, data=None)
        return get_object_or_404(credit_notes_of(invoices), number=number)


class CreditNoteUblView(_CreditNoteEInvoiceView):
    syntax = "ubl"

    @extend_schema(responses=UBL_RESPONSES)
    def get(self, request, credit_note_number: str):
        """UBL 2.1 CreditNote (Peppol BIS Billing 3.0, EN 16931): the PO number in BT-13, the credited invoice in BT-25."""
        return super().get(request, credit_note_number)


class CreditNoteFacturXView(_CreditNoteEInvoiceView):
    syntax = "facturx"

    @extend_schema(responses=FACTURX_RESPONSES)
    def get(self, request, credit_note_number: str):
        """Factur-X credit note (EN 16931 profile, CII TypeCode 381): a PDF/A-3 with the CII XML embedded."""
        return super().get(request, credit_note_number)


# --- Budgets -----------------------------------------------------------------------------------------


def _budgets_for(member):
    admin_groups = member_group_ids(member, Role.GROUP_ADMIN)
    budgets = budgets_visible_to(member=member)

    def mark(budget):
        budget.can_manage = member.is_business_admin or budget.group_id in admin_groups
        budget.balance_visible = budget.can_manage or budget.show_balance_to_buyers
        return budget

    return budgets, mark


class BudgetListView(generics.ListAPIView):
    """Budgets (Blanket PO) you may see, with balances where you may see them (as Budgets on your account)."""

    serializer_class = s.BudgetSerializer
    pagination_class = Pages

    def get_queryset(self):
        return _budgets_for(self.member)[0]

    def list(self, request, *args, **kwargs):
        _, mark = _budgets_for(self.member)
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.BudgetSerializer([mark(b) for b in page], many=True).data)

    @extend_schema(responses={200: s.BudgetSerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _budget_for(view, budget_id: int) -> Budget:
    budgets, mark = _budgets_for(view.member)
    return mark(get_object_or_404(budgets, pk=budget_id))


class BudgetDetailView(APIView):
    @extend_schema(responses={200: s.BudgetDetailSerializer, **ERRORS})
    def get(self, request, budget_id: int):
        """A budget with its allocations (the allocations for business admins and the group's admins)."""
        return Response(s.BudgetDetailSerializer(_budget_for(self, budget_id)).data)


class BudgetLedgerView(generics.ListAPIView):
    """The budget's ledger (charges and releases), newest first: business admins and the group's admins."""

    serializer_class = s.LedgerEntrySerializer
    pagination_class = Pages

    def get_queryset(self):
        budget = _budget_for(self, self.kwargs["budget_id"])
        if not member_has_role(self.member, Role.GROUP_ADMIN, group=budget.group_id):
            raise PermissionDenied("Only business admins and this group's admins see the ledger.")
        return budget_ledger(budget=budget)

    @extend_schema(responses={200: s.LedgerEntrySerializer(many=True), **ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Payments and statements -------------------------------------------------------------------------


class PaymentListView(generics.ListAPIView):
    permission_classes = [IsFinance]
    serializer_class = s.PaymentSerializer
    pagination_class = Pages

    def get_queryset(self):
        params = {k: v for k, v in self.request.query_params.items() if k in {"status", "q", "date_from", "date_to"}}
        queryset, errors = payment_list(business=self.member.business, data=params)
        if errors:
            raise ValidationError({"filters": [str(e) for e in errors]})
        return queryset.prefetch_related("allocations__invoice")

    @extend_schema(
        parameters=[
            _q("status", "unmatched, matched, overpaid or not_ours.", enum=["unmatched", "matched", "overpaid", "not_ours"]),
            _q("q", "Text in the reference, PO or invoice number."),
            _q("date_from", "Received on or after (YYYY-MM-DD).", OpenApiTypes.DATE),
            _q("date_to", "Received on or before (YYYY-MM-DD).", OpenApiTypes.DATE),
        ],
        responses={200: s.PaymentSerializer(many=True), **ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=s.PaymentRecordSerializer, responses={201: s.PaymentSerializer, **ERRORS})
    def post(self, request):
        """Record a payment; with a PO or invoice number it is applied to the open invoices behind it."""
        body = s.PaymentRecordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        payment = payment_record(business=self.member.business, acting_user=request.user, **body.validated_data)
        return Response(s.PaymentSerializer(payment).data, status=status.HTTP_201_CREATED)


class StatementImportView(APIView):
    permission_classes = [IsFinance]

    @extend_schema(request=s.StatementImportSerializer, responses={200: s.StatementResultSerializer, 201: s.StatementResultSerializer, **ERRORS})
    def post(self, request):
        """Import a bank statement (CSV, CAMT.053, MT940 or OFX, as on the Statements page): matched rows pay their invoices."""
        body = s.StatementImportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        d = body.validated_data
        business = self.member.business
        try:
            rows = statement_preview(business=business, text=d["csv"], mapping=d["mapping"])
            result = None
            if not d["preview"]:
                result = statement_import(
                    business=business, text=d["csv"], mapping=d["mapping"], filename=d["filename"],
                    member=self.member, acting_user=request.user,
                )
        except StatementError as exc:
            return problem_response(
                status_code=400, title="Statement refused", detail=str(exc), instance=request.get_full_path(),
                errors={"csv": exc.errors},
            )
        data = {
            "saved": result is not None and result.statement_import is not None,
            "matched": result.matched if result else sum(r.status == "matched" for r in rows),
            "to_resolve": result.to_resolve if result else sum(r.status in ("ambiguous", "unmatched") for r in rows),
            "duplicates": result.duplicates if result else sum(r.status == "duplicate" for r in rows),
            "rows": [
                {"line": r.line, "received_on": r.received_on, "amount": r.amount, "reference": r.reference,
                 "status": r.status, "invoices": [i.number for i in r.targets]}
                for r in rows
            ],
        }
        code = status.HTTP_201_CREATED if data["saved"] else status.HTTP_200_OK
        return Response(s.StatementResultSerializer(data).data, status=code)


# --- The orders report -------------------------------------------------------------------------------


class ReportCursor(CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    ordering = ("-id",)  # unique and stable: newest order lines first


class OrdersReportView(generics.ListAPIView):
    """One row per order line with the report's columns (as Business Analytics → Orders report), by cursor."""

    permission_classes = [IsFinance]
    serializer_class = s.ReportRowSerializer
    pagination_class = ReportCursor

    def get_queryset(self):
        try:
            qs = orders_report(business=self.member.business, filters=report_filters(data=self.request.query_params))
        except ReportFilterError as exc:
            raise ValidationError({"filters": [str(exc)]}) from exc
        return qs

    def paginate_queryset(self, queryset):
        # orders_report orders by placed time; the cursor needs a unique, stable ordering of its own.
        return super().paginate_queryset(queryset.order_by())

    @extend_schema(
        parameters=[
            _q("date_from", "Ordered on or after (YYYY-MM-DD)."), _q("date_to", "Ordered on or before (YYYY-MM-DD)."),
            _q("po_number", "Part of the PO number."), _q("blanket_po", "Part of the Blanket PO number."),
            _q("status", "Order status, or `spend`."), _q("sku", "Part of the SKU."),
            _q("invoice_number", "Part of the invoice number."), _q("paid", "yes, partly or no.", enum=["yes", "partly", "no"]),
        ],
        responses={200: s.ReportRowSerializer(many=True), **ERRORS},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
