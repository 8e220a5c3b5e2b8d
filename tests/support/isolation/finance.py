from decimal import Decimal

from tests.factories import PaymentFactory
from tests.support.isolation import builder


@builder("payment_id")
def _payment(world):
    world.payment = PaymentFactory(business=world.business, amount=Decimal("42.00"), reference="ACH 42")
    return world.payment.pk
