"""Reads of notifications: always one member's own, inside their business."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.functional import cached_property

from procurement.models import Member

from .models import Channel, Kind, Notification, NotificationPreference


def notifications_of(*, member: Member) -> QuerySet[Notification]:
    """The member's notifications, newest first (index `notification_list_idx`)."""
    return Notification.objects.filter(business_id=member.business_id, recipient=member).order_by("-created_at", "-id")


#: The bell shows at most this many ("99+" beyond).
BELL_CAP = 99


def unread_count(*, member: Member, cap: int | None = None) -> int:
    """Unread notifications of the member: a bounded index read of at most `cap + 1` ids (no COUNT), so
    the bell costs the same whatever the backlog; without `cap`, the exact count."""
    unread = Notification.objects.filter(business_id=member.business_id, recipient=member, read_at__isnull=True)
    if cap is None:
        return unread.count()
    return len(unread.order_by().values_list("pk", flat=True)[: cap + 1])


def preferences_of(*, member: Member) -> dict[str, str]:
    """The member's channel for every kind (email where they chose nothing)."""
    chosen = dict(
        NotificationPreference.objects.filter(business_id=member.business_id, member=member).values_list("kind", "channel")
    )
    return {kind: chosen.get(kind, Channel.EMAIL) for kind in Kind.values}


class Bell:
    """The navigation's bell: the unread count is read on first use only (pages without the nav pay nothing)."""

    def __init__(self, member: Member):
        self.member = member

    @cached_property
    def unread(self) -> int:
        return unread_count(member=self.member, cap=BELL_CAP)

    @property
    def label(self) -> str:
        """The badge's text: the count, or "99+"."""
        return f"{BELL_CAP}+" if self.unread > BELL_CAP else str(self.unread)
