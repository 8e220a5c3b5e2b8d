from procurement.api_tokens import api_token_create
from procurement.models import WebhookDelivery, WebhookEndpoint
from tests.support.isolation import builder


@builder("token_id")
def _token(world):
    """A token of the owner's admin (the walk's owner request is theirs)."""
    world.token = api_token_create(member=world.admin, name="walk", expires_in_days=30)[0]
    return world.token.pk


@builder("endpoint_id")
def _endpoint(world):
    if not hasattr(world, "endpoint"):
        world.endpoint = WebhookEndpoint.objects.create(
            business=world.business, url="https://hooks.example.com/x", events=["order.placed"], secret="whsec_x",
        )
    return world.endpoint.pk


@builder("delivery_id")
def _delivery(world):
    from django.utils import timezone

    _endpoint(world)
    world.delivery = WebhookDelivery.objects.create(
        business=world.business, endpoint=world.endpoint, event="order.placed", payload={"event": "order.placed"},
        status=WebhookDelivery.Status.FAILED, next_attempt_at=timezone.now(),
    )
    return world.delivery.pk


@builder("notification_id")
def _notification(world):
    """A notification of the owner's admin (only its recipient may open it)."""
    from procurement.models import Notification

    world.notification = Notification.objects.create(
        business=world.business, recipient=world.admin, kind="order_approved", title="Your order PO-1 was approved",
        url="/account/orders/PO-1/", po_number="PO-1",
    )
    return world.notification.pk
