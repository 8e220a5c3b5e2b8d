"""What the API shows and accepts. Reads are model serializers; writes are plain serializers whose
validated data goes to the services (orders.checkout, orders.approvals, orders.finance)."""

from decimal import Decimal

from django.urls import NoReverseMatch, reverse
from rest_framework import serializers

from budgets.models import Allocation, Budget, LedgerEntry
from orders.models import CreditNote, Invoice, InvoiceLine, Order, OrderLine, Payment

MONEY_FIELD = {"max_digits": 12, "decimal_places": 2}


class OrderLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = OrderLine
        fields = ["sku", "description", "quantity", "unit_price", "amount", "quantity_shipped", "quantity_cancelled"]


class OrderInformationSerializer(serializers.Serializer):
    """One order information value as entered at checkout (the field's name then, the value, and a
    choice's label)."""

    name = serializers.CharField(read_only=True)
    value = serializers.CharField(read_only=True)
    label = serializers.CharField(read_only=True)


class OrderSerializer(serializers.ModelSerializer):
    order_information = OrderInformationSerializer(source="information", many=True, read_only=True)
    group = serializers.CharField(source="group.name", read_only=True)
    group_id = serializers.IntegerField(read_only=True)
    buyer = serializers.EmailField(source="buyer.user.email", read_only=True)
    budget_id = serializers.IntegerField(read_only=True, allow_null=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "po_number", "url", "status", "group", "group_id", "buyer", "budget_id", "blanket_po_number", "subtotal",
            "total", "currency", "over_budget", "needs_approval_reason", "rejection_reason", "ship_to", "placed_at",
            "decided_at", "order_information",
        ]

    def get_url(self, order) -> str:
        return reverse("api:order_detail", kwargs={"po_number": order.po_number})


class OrderDetailSerializer(OrderSerializer):
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "lines"]


class PlaceLineSerializer(serializers.Serializer):
    sku = serializers.CharField(max_length=40)
    quantity = serializers.IntegerField(min_value=1, max_value=9999)


class OrderPlaceSerializer(serializers.Serializer):
    group_id = serializers.IntegerField(min_value=1, max_value=2**62)
    budget_id = serializers.IntegerField(min_value=1, max_value=2**62, required=False, allow_null=True)
    address_id = serializers.IntegerField(min_value=1, max_value=2**62)
    po_number = serializers.CharField(max_length=64, required=False, allow_blank=True)
    lines = PlaceLineSerializer(
        many=True, required=False, max_length=200,
        help_text="The products to order; they replace your cart. Without lines, your cart is ordered.",
    )
    order_information = serializers.DictField(
        child=serializers.CharField(max_length=200, allow_blank=True), required=False,
        help_text="Order information fields by name (or id), e.g. {\"GL code\": \"6100\"}; validated as at checkout "
        "(required fields, numbers, an active choice of the field's list).",
    )

    def validate_order_information(self, value):
        if len(value) > 50:
            raise serializers.ValidationError("At most 50 order information fields.")
        return value


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


class InvoiceLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceLine
        fields = ["sku", "description", "quantity", "unit_price", "amount"]


def _url_or_none(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


class InvoiceSerializer(serializers.ModelSerializer):
    po_number = serializers.CharField(source="order.po_number", read_only=True)
    blanket_po_number = serializers.CharField(source="order.blanket_po_number", read_only=True)
    balance_due = serializers.DecimalField(read_only=True, **MONEY_FIELD)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Invoice
        fields = [
            "number", "url", "po_number", "blanket_po_number", "status", "issued_on", "due_on", "subtotal", "tax_rate",
            "tax", "total", "amount_paid", "balance_due", "currency",
        ]

    def get_url(self, invoice) -> str:
        return reverse("api:invoice_detail", kwargs={"invoice_number": invoice.number})


class InvoiceDownloadsSerializer(serializers.Serializer):
    html = serializers.CharField(allow_null=True, help_text="The invoice page (signed-in web session).")
    pdf = serializers.CharField(allow_null=True, help_text="The invoice PDF (signed-in web session).")
    ubl = serializers.CharField(allow_null=True, help_text="EN 16931 UBL 2.1 XML, through the API.")
    facturx = serializers.CharField(allow_null=True, help_text="Factur-X PDF/A-3 with CII inside, through the API.")


class CreditNoteDownloadsSerializer(serializers.Serializer):
    html = serializers.CharField(allow_null=True, help_text="The credit note page (signed-in web session).")
    ubl = serializers.CharField(allow_null=True, help_text="EN 16931 UBL 2.1 CreditNote XML, through the API.")
    facturx = serializers.CharField(allow_null=True, help_text="Factur-X PDF/A-3 (CII TypeCode 381), through the API.")


class CreditNoteSerializer(serializers.ModelSerializer):
    downloads = serializers.SerializerMethodField()

    class Meta:
        model = CreditNote
        fields = ["number", "issued_on", "subtotal", "tax_rate", "tax", "total", "currency", "downloads"]

    def get_downloads(self, credit_note) -> CreditNoteDownloadsSerializer:
        number = credit_note.number
        return {
            "html": _url_or_none("orders:credit_note_detail", credit_note_number=number),
            "ubl": _url_or_none("api:credit_note_ubl", credit_note_number=number),
            "facturx": _url_or_none("api:credit_note_facturx", credit_note_number=number),
        }


class InvoiceDetailSerializer(InvoiceSerializer):
    lines = InvoiceLineSerializer(many=True, read_only=True)
    credit_notes = CreditNoteSerializer(many=True, read_only=True)
    downloads = serializers.SerializerMethodField()

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "lines", "credit_notes", "downloads"]

    def get_downloads(self, invoice) -> InvoiceDownloadsSerializer:
        return {
            "html": _url_or_none("orders:invoice_detail", invoice_number=invoice.number),
            "pdf": _url_or_none("orders:invoice_pdf", invoice_number=invoice.number),
            # The e-invoices through the API (the same token), as on the invoice page.
            "ubl": _url_or_none("api:invoice_ubl", invoice_number=invoice.number),
            "facturx": _url_or_none("api:invoice_facturx", invoice_number=invoice.number),
        }


class AllocationSerializer(serializers.ModelSerializer):
    member = serializers.EmailField(source="member.user.email", read_only=True)
    remaining = serializers.SerializerMethodField()

    class Meta:
        model = Allocation
        fields = ["member", "amount", "spent", "remaining"]

    def get_remaining(self, allocation) -> str:
        return str(allocation.amount - allocation.spent)


class BudgetSerializer(serializers.ModelSerializer):
    group = serializers.CharField(source="group.name", read_only=True)
    group_id = serializers.IntegerField(read_only=True)
    amount = serializers.SerializerMethodField()
    spent = serializers.SerializerMethodField()
    remaining = serializers.SerializerMethodField()
    my_allocated = serializers.DecimalField(read_only=True, allow_null=True, **MONEY_FIELD)
    my_spent = serializers.DecimalField(read_only=True, allow_null=True, **MONEY_FIELD)

    class Meta:
        model = Budget
        fields = [
            "id", "name", "po_number", "group", "group_id", "status", "policy", "currency", "start_date", "end_date",
            "amount", "spent", "remaining", "my_allocated", "my_spent",
        ]

    def _visible(self, budget) -> bool:
        return getattr(budget, "balance_visible", True)

    def get_amount(self, budget) -> str | None:
        return str(budget.amount) if self._visible(budget) else None

    def get_spent(self, budget) -> str | None:
        return str(budget.spent) if self._visible(budget) else None

    def get_remaining(self, budget) -> str | None:
        return str(budget.amount - budget.spent) if self._visible(budget) else None


class BudgetDetailSerializer(BudgetSerializer):
    allocations = serializers.SerializerMethodField()

    class Meta(BudgetSerializer.Meta):
        fields = [*BudgetSerializer.Meta.fields, "allocations"]

    def get_allocations(self, budget) -> AllocationSerializer(many=True):
        if not getattr(budget, "can_manage", False):
            return []
        return AllocationSerializer(budget.allocations.select_related("member__user").order_by("id"), many=True).data


class LedgerEntrySerializer(serializers.ModelSerializer):
    member = serializers.EmailField(source="member.user.email", read_only=True)
    po_number = serializers.CharField(source="order.po_number", read_only=True, allow_null=True, default=None)

    class Meta:
        model = LedgerEntry
        fields = ["id", "kind", "amount", "over_limit", "member", "po_number", "note", "created_at"]


class PaymentSerializer(serializers.ModelSerializer):
    invoices = serializers.SerializerMethodField()

    class Meta:
        model = Payment
        fields = [
            "id", "received_on", "amount", "amount_applied", "status", "method", "reference", "po_number",
            "invoice_number", "invoices", "created_at",
        ]

    def get_invoices(self, payment) -> list[str]:
        return [a.invoice.number for a in payment.allocations.all()]


class PaymentRecordSerializer(serializers.Serializer):
    received_on = serializers.DateField()
    amount = serializers.DecimalField(min_value=Decimal("0.01"), max_value=Decimal("9999999999"), **MONEY_FIELD)
    method = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    reference = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    po_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    invoice_number = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")


class StatementImportSerializer(serializers.Serializer):
    csv = serializers.CharField(max_length=2_000_000, trim_whitespace=False, help_text="The statement text: CSV, CAMT.053 (ISO 20022 XML), MT940 or OFX, detected from the content.")
    filename = serializers.CharField(max_length=255, required=False, default="api.csv")
    mapping = serializers.DictField(
        child=serializers.CharField(max_length=100, allow_blank=True), required=False, default=dict,
        help_text="Column names: date, amount, reference (as on the Statements page); defaults otherwise.",
    )
    preview = serializers.BooleanField(required=False, default=False, help_text="Only match; save nothing.")


class StatementRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True)
    received_on = serializers.DateField()
    amount = serializers.DecimalField(**MONEY_FIELD)
    reference = serializers.CharField()
    status = serializers.CharField(help_text="matched, ambiguous, unmatched, duplicate, or not_booked (a debit or reversal: listed, never saved).")
    invoices = serializers.ListField(child=serializers.CharField())


class StatementResultSerializer(serializers.Serializer):
    saved = serializers.BooleanField()
    matched = serializers.IntegerField()
    to_resolve = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    rows = StatementRowSerializer(many=True)


class ReportRowSerializer(serializers.Serializer):
    order_date = serializers.DateField()
    po_number = serializers.CharField()
    blanket_po = serializers.CharField()
    group_name = serializers.CharField()
    cost_center = serializers.CharField()
    buyer_email = serializers.CharField()
    sku = serializers.CharField()
    description = serializers.CharField()
    quantity = serializers.IntegerField()
    amount = serializers.DecimalField(**MONEY_FIELD)
    status = serializers.CharField()
    ship_date = serializers.DateField(allow_null=True)
    carrier = serializers.CharField(allow_null=True)
    tracking_number = serializers.CharField(allow_null=True)
    invoice_number = serializers.CharField(allow_null=True)
    invoice_status = serializers.CharField(allow_null=True)
