"""Demo notifications: the bell of the demo buyer and of finance has something in it (idempotent).

On SQLite the seeded invoices already notified their buyers (invoice_issue); the PostgreSQL bulk path
writes none, so this makes sure each demo buyer has their latest shipments under the bell, and asks
finance to close last month where it is ready. One preference shows the settings page in use.
"""

from __future__ import annotations

from django.db import transaction

from orders.finance.reminders import month_close_reminders_send
from orders.models import Shipment
from orders.notices import buyer_notify
from procurement.models import Business, Notification, NotificationPreference
from procurement.notifications.models import Channel, Kind

LATEST = 3


@transaction.atomic
def seed_notifications(*, business: Business, stdout=None) -> int:
    told = set(Notification.objects.filter(business=business, kind=Kind.ORDER_SHIPPED).values_list("po_number", flat=True))
    shipments = (
        Shipment.objects.filter(business=business, order__buyer__is_active=True)
        .select_related("order__buyer__user", "order__business").order_by("-ship_date", "-id")[:LATEST]
    )
    created = 0
    for shipment in shipments:
        if shipment.order.po_number not in told:
            created += len(buyer_notify(order=shipment.order, kind=Kind.ORDER_SHIPPED, shipment=shipment))
            told.add(shipment.order.po_number)
    buyer = shipments[0].order.buyer if shipments else None
    if buyer is not None:
        NotificationPreference.objects.get_or_create(
            business=business, member=buyer, kind=Kind.ORDER_DELIVERED, defaults={"channel": Channel.IN_APP},
        )
    month_close_reminders_send()
    if stdout is not None:
        stdout.write(f"Notifications: {created} added for {business.name}.")
    return created
