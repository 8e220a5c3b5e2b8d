"""Orders app models, one concept per module."""

from .catalog import CartItem, Category, Product  # noqa: F401
from .invoice import Invoice, InvoiceLine, InvoicePdf  # noqa: F401
from .order import Approval, Order, OrderLine  # noqa: F401
from .payment import MonthClose, Payment, PaymentAllocation, Refund, StatementImport  # noqa: F401
from .shipment import Shipment, ShipmentLine  # noqa: F401
from .receiving import Receipt, ReceiptLine  # noqa: F401
from .returns import CreditNote, CreditNoteLine, ReturnRequest  # noqa: F401
from .dock import DockSigningKey  # noqa: F401
from .rollup import DailySpend  # noqa: F401
from .fields import OrderField, OrderFieldChoice, OrderFieldGroup, OrderFieldValue  # noqa: F401
from .approval import (  # noqa: F401
    ApprovalDelegation, ApprovalLevel, ApprovalLevelMember, ApprovalRule, CategoryPolicy, OrderApprovalStep,
    SpendingLimit,
)
