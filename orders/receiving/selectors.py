"""Reads for receiving: a shipment's lines and receipt, the receipt's change history."""

from __future__ import annotations

from orders.models import Receipt, ReceiptLine, Shipment, ShipmentLine


def shipment_for_receiving(*, business_id: int, po_number: str, shipment_id: int) -> Shipment | None:
    return (
        Shipment.objects.filter(business_id=business_id, order__po_number=po_number, pk=shipment_id)
        .select_related("order", "order__group", "order__buyer__user").first()
    )


def shipment_for_dock(*, business_id: int, shipment_id: int) -> Shipment | None:
    return (
        Shipment.objects.filter(business_id=business_id, pk=shipment_id)
        .select_related("order", "order__group", "order__business").first()
    )


def shipment_lines(shipment: Shipment) -> list[ShipmentLine]:
    return list(ShipmentLine.objects.filter(shipment=shipment).select_related("order_line").order_by("id"))


def shipment_receipt(shipment: Shipment) -> Receipt | None:
    return Receipt.objects.filter(shipment=shipment).select_related("received_by__user").first()


def receipt_lines(receipt: Receipt | None) -> list[ReceiptLine]:
    if receipt is None:
        return []
    return list(ReceiptLine.objects.filter(receipt=receipt).select_related("order_line").order_by("id"))


def receipt_history(receipt: Receipt | None) -> list[dict]:
    """Every recorded version of the receipt's lines, newest first: when, who, the counts then."""
    if receipt is None:
        return []
    rows = (
        ReceiptLine.history.filter(receipt_id=receipt.pk)
        .select_related("history_user").order_by("-history_date", "-history_id")
    )
    skus = dict(ReceiptLine.objects.filter(receipt=receipt).values_list("pk", "order_line__sku"))
    return [
        {
            "when": row.history_date, "who": str(row.history_user or ""), "sku": skus.get(row.id, ""),
            "received": row.quantity_received, "damaged": row.quantity_damaged, "missing": row.quantity_missing,
            "note": row.note, "kind": {"+": "Recorded", "~": "Corrected", "-": "Removed"}[row.history_type],
        }
        for row in rows
    ]
