from orders.models import OrderField, OrderFieldChoice
from tests.support.isolation import builder


@builder("field_id")
def _field_id(world):
    """A choice field with one choice (the search endpoint and the choices page need both)."""
    field = OrderField.objects.create(business=world.business, name="GL code", type=OrderField.Type.CHOICE)
    OrderFieldChoice.objects.create(business=world.business, field=field, value="6100", label="Office supplies")
    return field.pk
