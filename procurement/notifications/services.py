"""The one way anything notifies a member: `notify`. Also the preference writes and mark-read."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from procurement.errors import InvalidInput
from procurement.models import Business, Member

from .models import APPROVAL_KINDS, Channel, Kind, Notification, NotificationEmail, NotificationPreference


def absolute_url(url: str) -> str:
    """`settings.SITE_URL` + a path on this site: what email links point at."""
    return settings.SITE_URL.rstrip("/") + "/" + url.lstrip("/")


def channels_for(*, members: Iterable[Member], kind: str) -> dict[int, str]:
    """Each member's channel for `kind` (one query); no row means email, approval kinds never off."""
    ids = [m.pk for m in members]
    chosen = dict(
        NotificationPreference.objects.filter(member_id__in=ids, kind=kind).values_list("member_id", "channel")
    )
    result = {}
    for pk in ids:
        channel = chosen.get(pk, Channel.EMAIL)
        if channel == Channel.OFF and kind in APPROVAL_KINDS:
            channel = Channel.IN_APP  # someone has to decide: the bell at least
        result[pk] = channel
    return result


def notify(
    *,
    business: Business | int,
    kind: str,
    recipients: Iterable[Member],
    subject: str,
    template: str,
    context: dict[str, Any],
    url: str,
) -> list[Notification]:
    """Tell each recipient member that something happened, as they chose; returns the rows written.

    - `business`: the tenant (or its id); recipients of another business or inactive are skipped.
    - `kind`: a `Kind` value; each member's preference for it says email (and in-app), in-app only or off.
      Approval kinds are never off (at least in-app).
    - `recipients`: Member objects; duplicates are notified once.
    - `subject`: the email subject and the in-app title (says what happened, with the PO number).
    - `template`: the name under `templates/notifications/email/`: `<template>.txt` and `<template>.html`
      extend the shared email base. `context` is passed to them (plus `recipient`, `business`, `link`,
      `po_number`, `subject`); `context["po_number"]` or `context["order"].po_number` is the PO number shown.
    - `url`: the path of the page where the person acts (never a URL that acts by GET); emails link to
      `settings.SITE_URL + url`, and signing in first returns there.

    Call it inside the service's transaction: the Notification rows and email outbox rows are written
    in it, and the emails are queued to Celery only once it commits (`delay_on_commit`), so a
    rolled-back change notifies nobody. A failing send is retried by the task; it never fails the caller.
    """
    if kind not in Kind.values:
        raise ValueError(f"Unknown notification kind {kind!r}.")
    business_id = business if isinstance(business, int) else business.pk
    subject = " ".join(subject.split())[:300]  # one line: a header never carries a newline
    members, seen = [], set()
    for member in recipients:
        if member is None or member.pk in seen or not member.is_active or member.business_id != business_id:
            continue
        seen.add(member.pk)
        members.append(member)
    if not members:
        return []
    channels = channels_for(members=members, kind=kind)
    po_number = str(context.get("po_number") or getattr(context.get("order"), "po_number", "") or "")
    link = absolute_url(url)
    written: list[Notification] = []
    for member in members:
        channel = channels[member.pk]
        if channel == Channel.OFF:
            continue
        base = {**context, "recipient": member, "business": member.business if isinstance(business, int) else business,
                "link": link, "po_number": po_number, "subject": subject}
        body = render_to_string(f"notifications/email/{template}.txt", {**base, "in_app": True}).strip()
        notification = Notification.objects.create(
            business_id=business_id, recipient=member, kind=kind, title=subject, body=body, url=url,
            po_number=po_number[:100],
        )
        written.append(notification)
        if channel == Channel.EMAIL and member.user.email:
            email = NotificationEmail.objects.create(
                business_id=business_id, notification=notification, to=member.user.email, subject=subject,
                text=render_to_string(f"notifications/email/{template}.txt", base),
                html=render_to_string(f"notifications/email/{template}.html", base),
            )
            from .tasks import notification_email_send  # noqa: PLC0415 - tasks import this module's models

            notification_email_send.delay_on_commit(email.pk)
    return written


@transaction.atomic
def notification_preferences_update(*, member: Member, channels: dict[str, str], acting_user) -> None:
    """Save the member's channel per kind; an approval kind cannot be off (it would leave orders waiting)."""
    for kind, channel in channels.items():
        if kind not in Kind.values or channel not in Channel.values:
            raise InvalidInput("Choose email, in-app only or off for each kind of notification.")
        if kind in APPROVAL_KINDS and channel == Channel.OFF:
            raise InvalidInput(f"“{Kind(kind).label}” cannot be turned off: choose email or in-app only.")
    for kind, channel in channels.items():
        NotificationPreference.objects.update_or_create(
            business_id=member.business_id, member=member, kind=kind, defaults={"channel": channel},
        )


@transaction.atomic
def notification_open(*, member: Member, notification_id: int, acting_user) -> Notification:
    """Mark the member's own notification read (idempotent) and return it; someone else's is not found."""
    notification = Notification.objects.select_for_update().get(
        pk=notification_id, business_id=member.business_id, recipient=member,
    )
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, member: Member, acting_user) -> int:
    """Mark every unread notification of the member read; returns how many."""
    return Notification.objects.filter(business_id=member.business_id, recipient=member, read_at__isnull=True).update(
        read_at=timezone.now()
    )
