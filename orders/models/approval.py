"""Approval workflows and buying policies: rules of ordered levels, each order's steps, delegations,
personal spending limits and category policies. Every table carries `business` (tenant tables)."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q

from procurement.models import Business, Group, Member, TenantQuerySet
from procurement.money import MONEY


class Condition(models.TextChoices):
    AMOUNT = "amount", "Order total at or above an amount"
    CATEGORY = "category", "Order contains a category"
    OVER_BUDGET = "over_budget", "Order goes over the budget (require approval policy)"
    PERSONAL_LIMIT = "personal_limit", "Buyer is over a personal limit"


class Deciders(models.TextChoices):
    GROUP_APPROVERS = "group_approvers", "The group's approvers"
    GROUP_FINANCE = "group_finance", "The group's finance members"
    NAMED = "named", "Named members"
    BUSINESS_ADMINS = "business_admins", "The business admins"


class Mode(models.TextChoices):
    ANY = "any", "Any one of them"
    ALL = "all", "All of them"


class ApprovalRule(models.Model):
    """The business's rule (group empty) or a group's override: an ordered list of levels.

    The business rule also holds the reminder and escalation delays (Business Settings).
    """

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    reminder_days = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1)],
        help_text="Days without a decision before the level's deciders get a reminder.",
    )
    escalation_days = models.PositiveSmallIntegerField(
        default=5, validators=[MinValueValidator(1)],
        help_text="Days without a decision before the order escalates to the business admins.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "group"], name="approvalrule_one_per_group"),
            models.UniqueConstraint(fields=["business"], condition=Q(group__isnull=True),
                                    name="approvalrule_one_per_business"),
        ]

    def __str__(self):
        return f"Approval rule of {self.group or 'the business'}"


class ApprovalLevel(models.Model):
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(ApprovalRule, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField()
    condition = models.CharField(max_length=20, choices=Condition.choices, default=Condition.AMOUNT)
    amount = models.DecimalField(**MONEY, null=True, blank=True)
    category = models.ForeignKey("orders.Category", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    deciders = models.CharField(max_length=20, choices=Deciders.choices, default=Deciders.GROUP_APPROVERS)
    mode = models.CharField(max_length=3, choices=Mode.choices, default=Mode.ANY)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["rule", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "rule", "position"], name="approvallevel_position_unique"),
            models.CheckConstraint(condition=Q(amount__isnull=True) | Q(amount__gte=0), name="approvallevel_amount_non_negative"),
        ]

    def __str__(self):
        return f"Level {self.position}"


class ApprovalLevelMember(models.Model):
    """A named decider of a level."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    level = models.ForeignKey(ApprovalLevel, on_delete=models.CASCADE, related_name="named")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["business", "level", "member"], name="approvallevelmember_once")]


class OrderApprovalStep(models.Model):
    """One level an order goes through, frozen at checkout (editing the rule never changes it)."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting for an earlier level"
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        CLOSED = "closed", "Closed (order cancelled)"

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="approval_steps")
    position = models.PositiveSmallIntegerField()
    why = models.CharField(max_length=255)
    deciders = models.CharField(max_length=20, choices=Deciders.choices)
    mode = models.CharField(max_length=3, choices=Mode.choices, default=Mode.ANY)
    #: Named deciders (member ids) when `deciders` is NAMED: a snapshot.
    named_ids = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    activated_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["order", "position"]
        constraints = [models.UniqueConstraint(fields=["business", "order", "position"], name="orderapprovalstep_position_unique")]
        indexes = [models.Index(fields=["business", "status", "activated_at"])]

    def __str__(self):
        return f"{self.order} level {self.position}"


class ApprovalDelegation(models.Model):
    """An approver's delegate for a date range (out of office); decisions are on behalf of the approver."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    approver = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="delegations_given")
    delegate = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="delegations_received")
    start_date = models.DateField()
    end_date = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="delegation_dates_ordered"),
            models.CheckConstraint(condition=~Q(approver=F("delegate")), name="delegation_not_to_self"),
        ]
        indexes = [models.Index(fields=["business", "delegate", "start_date", "end_date"])]


class SpendingLimit(models.Model):
    """A member's personal spending limit, per order and per calendar month."""

    class Action(models.TextChoices):
        APPROVAL = "approval", "Needs approval"
        BLOCK = "block", "Block the order"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    per_order = models.DecimalField(**MONEY, null=True, blank=True)
    per_month = models.DecimalField(**MONEY, null=True, blank=True)
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.APPROVAL)
    updated_at = models.DateTimeField(auto_now=True)

    objects = TenantQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["business", "member"], name="spendinglimit_one_per_member"),
            models.CheckConstraint(condition=Q(per_order__isnull=True) | Q(per_order__gte=0), name="spendinglimit_order_non_negative"),
            models.CheckConstraint(condition=Q(per_month__isnull=True) | Q(per_month__gte=0), name="spendinglimit_month_non_negative"),
        ]


class CategoryPolicy(models.Model):
    """A category restricted in a group (hidden, refused at checkout) or always needing approval."""

    class Policy(models.TextChoices):
        RESTRICTED = "restricted", "Restricted (hidden, refused at checkout)"
        NEEDS_APPROVAL = "needs_approval", "Always needs approval"

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("orders.Category", on_delete=models.CASCADE, related_name="+")
    policy = models.CharField(max_length=20, choices=Policy.choices)

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["group", "category"]
        constraints = [models.UniqueConstraint(fields=["business", "group", "category"], name="categorypolicy_once")]
