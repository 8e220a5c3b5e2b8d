"""The daily spend roll-up: what Business Analytics reads instead of scanning a million order lines.

One row per (business, day, group, Blanket PO, category, buyer): the spend of the order lines in that
cell, net of approved returns (credit note lines), with its line and order counts. `orders.rollup` is
its only writer (in the transaction of every event that changes spend) and rebuilds it set-based.
"""

from django.db import models
from django.db.models import Q

from procurement.models import Business, Group, Member, TenantQuerySet
from procurement.money import MONEY, ZERO


class DailySpend(models.Model):
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(help_text="The order's placed date in the site's time zone (what Analytics filters on).")
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="+")
    budget = models.ForeignKey("budgets.Budget", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    category = models.ForeignKey("orders.Category", on_delete=models.CASCADE, related_name="+")
    buyer = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    amount = models.DecimalField(**MONEY, default=ZERO)
    lines = models.IntegerField(default=0)
    #: Each order counted once, in the cell of its first line (so sums over any key but category are exact).
    orders = models.IntegerField(default=0)
    #: Each order counted once per category it has lines in (so sums per category are exact).
    category_orders = models.IntegerField(default=0)

    objects = TenantQuerySet.as_manager()

    class Meta:
        verbose_name = "daily spend"
        verbose_name_plural = "daily spend"
        # No CHECK on the counts: a roll-up that drifted (rows loaded in bulk without a rebuild) must not
        # make a buyer's cancel fail; `spend_rollup_rebuild --check` reports drift instead.
        # Analytics reads a business's days in a range; the unique indexes are partial (budget or not),
        # so the planner cannot use them for that.
        indexes = [models.Index(fields=["business", "day"], name="dailyspend_business_day_idx")]
        constraints = [
            # NULLs are distinct in a unique index, so "no Blanket PO" has its own partial constraint;
            # the upsert in orders.rollup names the one that applies as its conflict target.
            models.UniqueConstraint(
                fields=["business", "day", "group", "budget", "category", "buyer"], name="dailyspend_one_row_per_cell",
                condition=Q(budget__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["business", "day", "group", "category", "buyer"], name="dailyspend_one_row_per_cell_no_budget",
                condition=Q(budget__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.day} {self.amount}"
