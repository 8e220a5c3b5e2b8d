"""Notification rows (the bell's list), each member's channel per kind, and the email outbox.

Imported by `procurement/models.py`, so the tables belong to the `procurement` app.
"""

from django.db import models
from django.db.models import Q

from procurement.models import Business, Member, TenantQuerySet


class Kind(models.TextChoices):
    APPROVAL_REQUESTED = "approval_requested", "An order waits for my approval"
    APPROVAL_REMINDER = "approval_reminder", "Reminder: an order still waits for my approval"
    APPROVAL_ESCALATED = "approval_escalated", "An order was escalated to me"
    ORDER_APPROVED = "order_approved", "My order was approved"
    ORDER_REJECTED = "order_rejected", "My order was rejected"
    ORDER_SHIPPED = "order_shipped", "My order was shipped"
    ORDER_DELIVERED = "order_delivered", "My order was delivered"
    ORDER_INVOICED = "order_invoiced", "My order was invoiced"
    BUDGET_LOW = "budget_low", "A Blanket PO of my group is low on funds"
    MONTH_CLOSABLE = "month_closable", "A month can be closed"


#: Kinds that can never be turned off: someone has to decide, so at least the bell shows them.
APPROVAL_KINDS = frozenset({Kind.APPROVAL_REQUESTED, Kind.APPROVAL_REMINDER, Kind.APPROVAL_ESCALATED})


class Channel(models.TextChoices):
    EMAIL = "email", "Email and in-app"
    IN_APP = "in_app", "In-app only"
    OFF = "off", "Off"


class Notification(models.Model):
    """One thing that happened, for one member; `read_at` is set when they open it."""

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    recipient = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="notifications")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    url = models.CharField("link", max_length=500, help_text="A path on this site, where the person acts.")
    po_number = models.CharField("PO number", max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The bell: unread count per member; the list: newest first per member.
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_list_idx"),
        ]

    def __str__(self):
        return self.title


class NotificationPreference(models.Model):
    """How a member wants one kind: email (and in-app), in-app only, or off. No row = email."""

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="notification_preferences")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.EMAIL)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["member", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["business", "member", "kind"], name="notification_pref_unique"),
            models.CheckConstraint(
                condition=~(Q(kind__in=sorted(APPROVAL_KINDS)) & Q(channel=Channel.OFF)),
                name="notification_pref_approval_not_off",
            ),
        ]

    def __str__(self):
        return f"{self.member} · {self.kind} · {self.channel}"


class NotificationEmail(models.Model):
    """The email outbox: rendered in the event's transaction, sent by a Celery task after commit.

    `sent_at` makes the task idempotent (a re-delivered task skips a sent email); `attempts` and
    `last_error` record failed sends, which are retried with back-off and never touch the order.
    """

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    notification = models.OneToOneField(Notification, on_delete=models.CASCADE, related_name="email")
    to = models.EmailField()
    subject = models.CharField(max_length=300)
    text = models.TextField()
    html = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.subject} → {self.to}"
