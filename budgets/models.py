"""Blanket PO budgets, allocations to members, and the append-only drawdown ledger."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from procurement.models import Business, Group, Member, TenantQuerySet
from procurement.money import CENT, MONEY, ZERO
from procurement.numbering.services import release_count as numbering_release_count


class BudgetSeries(models.Model):
    """A recurring Blanket PO: each period is its own Budget row (its own number and ledger).

    `budget_periods_open` opens period n+1 once period n has ended, closing period n and rolling its
    unspent money over through the ledger (a transfer entry on both budgets) as `rollover` says.
    """

    class Repeats(models.TextChoices):
        MONTHLY = "monthly", "Monthly"
        QUARTERLY = "quarterly", "Quarterly"
        YEARLY = "yearly", "Yearly"

    class Rollover(models.TextChoices):
        OFF = "off", "Off: unspent money lapses"
        FULL = "full", "Full: the unspent money carries into the next period"
        CAPPED = "capped", "Capped: carry up to a limit in money or a percentage"

    class AllocationsMode(models.TextChoices):
        REPEAT = "repeat", "Repeat the allocations as they were"
        RULE = "rule", "Start from the automatic allocation rule"

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="budget_series")
    name = models.CharField(max_length=200)
    repeats = models.CharField(max_length=10, choices=Repeats.choices)
    anchor_date = models.DateField("first period starts")
    ends_on = models.DateField("repeat until", null=True, blank=True,
                               help_text="No period starts after this date. Leave blank to repeat for ever.")
    amount = models.DecimalField("amount per period", **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    rollover = models.CharField(max_length=10, choices=Rollover.choices, default=Rollover.OFF)
    rollover_cap_amount = models.DecimalField(**MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))])
    rollover_cap_percent = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    allocations_mode = models.CharField(max_length=10, choices=AllocationsMode.choices, default=AllocationsMode.REPEAT)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "budget series"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="series_amount_positive"),
            models.CheckConstraint(
                condition=~Q(rollover="capped") | Q(rollover_cap_amount__isnull=False) | Q(rollover_cap_percent__isnull=False),
                name="series_capped_rollover_has_a_cap",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_repeats_display().lower()})"


class Budget(models.Model):
    """A Blanket PO: an amount a group may spend between two dates."""

    class Policy(models.TextChoices):
        BLOCK = "block", "Block the order"
        WARN = "warn", "Warn and allow"
        APPROVAL = "approval", "Require approval"

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        CLOSED = "closed", "Closed"

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="budgets")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="budgets")
    name = models.CharField(max_length=200)
    po_number = models.CharField("blanket PO number", max_length=64)
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(CENT)])
    currency = models.CharField(max_length=3, default="USD")
    start_date = models.DateField()
    end_date = models.DateField()
    note_to_buyers = models.TextField(blank=True)
    policy = models.CharField(
        "when funds run out", max_length=10, choices=Policy.choices, default=Policy.BLOCK
    )
    low_funds_alert = models.DecimalField(
        "low-funds alert at", **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0"))],
        help_text="Group admins get one email when the remaining balance drops to this amount.",
    )
    low_funds_alert_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    runout_alert_days = models.PositiveSmallIntegerField(
        "run-out alert: days before the end", null=True, blank=True,
        help_text="Group admins get one email when, at the current spending rate, the money will run out "
                  "more than this many days before the period ends.",
    )
    runout_alert_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    show_balance_to_buyers = models.BooleanField("buyers see the remaining balance", default=True)
    allow_unallocated_spend = models.BooleanField(
        "members without an allocation may spend the unallocated remainder", default=False
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    # Derived from the ledger; kept on the row (in the same transaction) for fast reads and the CHECK below.
    spent = models.DecimalField(**MONEY, default=ZERO, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    series = models.ForeignKey(BudgetSeries, null=True, blank=True, on_delete=models.PROTECT, related_name="periods")
    period_index = models.PositiveIntegerField(null=True, blank=True, editable=False)

    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    @property
    def release_count(self) -> int:
        """Releases (orders) numbered against this Blanket PO as <blanket PO>-<n>: read from numbering's counter."""
        return numbering_release_count(budget=self)

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [
            models.UniqueConstraint(fields=["business", "po_number"], name="budget_po_number_unique_per_business"),
            # The backstop behind the series lock: each period of a series is opened once.
            models.UniqueConstraint(fields=["series", "period_index", "business"], name="budget_one_row_per_series_period"),
            models.CheckConstraint(
                condition=Q(series__isnull=True, period_index__isnull=True) | Q(series__isnull=False, period_index__isnull=False),
                name="budget_series_has_period_index",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="budget_amount_positive"),
            models.CheckConstraint(condition=Q(spent__gte=0), name="budget_spent_non_negative"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="budget_end_after_start"),
            # The backstop behind the row lock: a block budget is never overspent.
            models.CheckConstraint(
                condition=~Q(policy="block") | Q(spent__lte=F("amount")), name="budget_block_never_overspent"
            ),
        ]
        indexes = [models.Index(fields=["business", "group", "status"])]

    def __str__(self):
        return f"{self.name} ({self.po_number})"

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.spent

    @property
    def spent_percent(self) -> int:
        if not self.amount:
            return 0
        return min(100, int(self.spent * 100 / self.amount))

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE


class Allocation(models.Model):
    """The part of a budget one member may spend."""

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="allocations")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="allocations")
    amount = models.DecimalField("allocated", **MONEY, validators=[MinValueValidator(Decimal("0"))])
    spent = models.DecimalField(**MONEY, default=ZERO, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["budget", "member__user__first_name", "member__user__last_name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["budget", "member", "business"], name="allocation_one_per_member"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="allocation_amount_non_negative"),
            models.CheckConstraint(condition=Q(spent__gte=0), name="allocation_spent_non_negative"),
        ]

    def __str__(self):
        return f"{self.member} · {self.amount} of {self.budget}"

    @property
    def remaining(self) -> Decimal:
        return self.amount - self.spent


class LedgerEntry(models.Model):
    """One charge or release against a budget. Append-only: never edited, never deleted."""

    class Kind(models.TextChoices):
        CHARGE = "charge", "Charge"
        RELEASE = "release", "Release"
        # Rollover between two periods of a series: one entry on each budget, linked to each other.
        TRANSFER_OUT = "transfer_out", "Rolled over to the next period"
        TRANSFER_IN = "transfer_in", "Rolled over from the previous period"

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    budget = models.ForeignKey(Budget, on_delete=models.PROTECT, related_name="ledger")
    allocation = models.ForeignKey(Allocation, null=True, blank=True, on_delete=models.PROTECT, related_name="ledger")
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # A lazy FK string on purpose (docs/architecture.md): budgets never imports orders' code, but the
    # ledger row names the order it charged, so PROTECT and the (budget, order) queries stay in the database.
    order = models.ForeignKey("orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="ledger")
    # A release gives back (part of) one charge: the link lets the ledger refuse releasing more than was charged.
    charge = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="releases",
        limit_choices_to={"kind": "charge"},
    )
    # A transfer names the entry it pairs with on the other budget (set on the second of the two).
    counterpart = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="counterpart_of"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    amount = models.DecimalField(**MONEY, validators=[MinValueValidator(CENT)])
    over_limit = models.BooleanField(default=False, help_text="Charged past the limit under a 'warn' policy.")
    note = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    objects = TenantQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_amount_positive"),
            models.CheckConstraint(
                condition=Q(kind="charge", charge__isnull=True) | Q(kind="release", charge__isnull=False)
                | Q(kind__in=["transfer_out", "transfer_in"], charge__isnull=True),
                name="ledger_release_names_its_charge",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["transfer_out", "transfer_in"]) | Q(member__isnull=False),
                name="ledger_charge_names_its_member",
            ),
        ]
        indexes = [models.Index(fields=["budget", "created_at"]), models.Index(fields=["order"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount} on {self.budget_id}"

    @property
    def signed_amount(self) -> Decimal:
        if self.kind in (self.Kind.TRANSFER_OUT, self.Kind.TRANSFER_IN):
            return Decimal("0.00")  # a rollover moves the amount available, never what was spent
        return self.amount if self.kind == self.Kind.CHARGE else -self.amount


class AllocationRule(models.Model):
    """"Set automatic allocation": the rule that gives every member who can buy in the budget's group
    an allocation, now and whenever someone joins the group later (budgets.automatic)."""

    class Mode(models.TextChoices):
        FIXED = "fixed", "A fixed amount for each member"
        EQUAL = "equal", "An equal share of the budget"

    business = models.ForeignKey(Business, on_delete=models.PROTECT, related_name="+")
    budget = models.OneToOneField(Budget, on_delete=models.PROTECT, related_name="allocation_rule")
    mode = models.CharField(max_length=10, choices=Mode.choices)
    amount = models.DecimalField(
        "amount per member", **MONEY, null=True, blank=True, validators=[MinValueValidator(Decimal("0.01"))]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TenantQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(mode="equal", amount__isnull=True) | Q(mode="fixed", amount__gt=0),
                name="allocation_rule_fixed_has_amount",
            ),
        ]

    def __str__(self):
        if self.mode == self.Mode.FIXED:
            return f"{self.amount} for each member"
        return "An equal share for each member"
