from tests.factories import OrderFactory, OrderLineFactory
from tests.support.isolation import builder


@builder("po_number")
def _po_number(world):
    if not hasattr(world, "order"):
        group = getattr(world, "group", None)
        kwargs = {"group": group} if group is not None else {"group__business": world.business}
        world.order = OrderFactory(**kwargs)
        OrderLineFactory(order=world.order)
    return world.order.po_number
