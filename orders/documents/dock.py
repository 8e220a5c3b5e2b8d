"""Scan to verify at the dock: signed, expiring links to the verify page, and their QR codes.

A link names the business (in clear) and carries a value signed with Django's signing under a salt
made of the business's own rotating key (``DockSigningKey``): changing the business id in the link, or
any byte of the value, breaks the signature; rotating the key invalidates every link printed before.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from orders.models import DockSigningKey, Shipment
from orders.models.dock import new_secret


class DockLinkInvalid(Exception):
    """The link was tampered with, is of an unknown business, or its key was rotated."""


class DockLinkExpired(DockLinkInvalid):
    """The link was genuine but is older than the allowed age."""


@dataclass(frozen=True)
class DockClaim:
    business_id: int
    shipment_id: int
    po_number: str


def dock_key(business_id: int) -> DockSigningKey:
    key = DockSigningKey.objects.filter(business_id=business_id).first()
    if key is None:
        key, _ = DockSigningKey.objects.get_or_create(business_id=business_id)
    return key


def _salt(key: DockSigningKey) -> str:
    return f"orders.dock.verify:{key.business_id}:{key.version}:{key.secret}"


@transaction.atomic
def dock_key_rotate(*, business_id: int, acting_user=None) -> DockSigningKey:
    """A new secret and version: every link signed before stops working."""
    dock_key(business_id)
    key = DockSigningKey.objects.select_for_update().get(business_id=business_id)
    key.version += 1
    key.secret = new_secret()
    key._history_user = acting_user
    key.save()
    return key


def dock_token(shipment: Shipment) -> str:
    key = dock_key(shipment.business_id)
    return signing.dumps({"s": shipment.pk, "p": shipment.order.po_number}, salt=_salt(key), compress=False)


def dock_verify_path(shipment: Shipment) -> str:
    return reverse("orders:dock_verify") + "?" + urlencode({"b": shipment.business_id, "t": dock_token(shipment)})


def dock_verify_url(shipment: Shipment) -> str:
    return settings.SITE_URL.rstrip("/") + dock_verify_path(shipment)


def dock_claim(*, business: str | int | None, token: str | None, max_age: datetime.timedelta | None = None) -> DockClaim:
    """The shipment a link names, or DockLinkExpired / DockLinkInvalid."""
    try:
        business_id = int(business or "")
    except (TypeError, ValueError):
        raise DockLinkInvalid("The link is incomplete.") from None
    key = DockSigningKey.objects.filter(business_id=business_id).first()
    if key is None or not token:
        raise DockLinkInvalid("The link is not genuine.")
    max_age = max_age if max_age is not None else datetime.timedelta(days=settings.DOCK_LINK_MAX_AGE_DAYS)
    try:
        value = signing.loads(token, salt=_salt(key), max_age=max_age)
    except signing.SignatureExpired:
        raise DockLinkExpired("The link has expired.") from None
    except signing.BadSignature:
        raise DockLinkInvalid("The link is not genuine.") from None
    if not isinstance(value, dict) or not isinstance(value.get("s"), int):
        raise DockLinkInvalid("The link is not genuine.")
    return DockClaim(business_id=business_id, shipment_id=value["s"], po_number=str(value.get("p", "")))


def qr_svg(value: str, *, scale: int = 3) -> SafeString:
    """`value` as a QR code, an inline <svg> element (segno; no XML prolog, nothing written to disk)."""
    import io

    import segno

    buffer = io.BytesIO()
    segno.make(value, error="m").save(buffer, kind="svg", scale=scale, xmldecl=False, svgns=True,
                                      svgclass="qrcode", lineclass=None, title="Scan to verify this PO")
    svg = buffer.getvalue().decode("utf-8")
    svg = svg.replace("<svg ", '<svg role="img" aria-label="QR code: scan to verify this PO" ', 1)
    return mark_safe(svg)
