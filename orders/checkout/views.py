"""Checkout against a Blanket PO."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.views.generic import TemplateView

from budgets.ledger import BudgetError, InsufficientFunds
from orders.catalog.services import cart_get
from orders.checkout.forms import CheckoutForm
from orders.checkout.selectors import (
    buyer_groups,
    checkout_addresses,
    checkout_budgets,
    group_has_active_budgets,
    order_fields_for_group,
)
from orders.checkout.services import CheckoutError, order_place
from orders.models import Order
from procurement.errors import error_to_form
from procurement.models import Business, GroupMembership
from procurement.numbering.services import (
    po_number_preview,
    release_numbers_preview,
)
from procurement.tenancy import (
    MemberRequiredMixin,
)

Role = GroupMembership.Role


class CheckoutView(MemberRequiredMixin, TemplateView):
    template_name = "orders/shop/checkout.html"
    required_roles = (Role.BUYER,)

    def _group(self, raw):
        groups = list(buyer_groups(member=self.member))
        if not groups:
            return None, groups
        try:
            wanted = int(raw or 0)
        except ValueError:
            wanted = 0
        return next((g for g in groups if g.pk == wanted), groups[0]), groups

    def _form(self, group, data=None):
        """The form; on a POST without the balances (checkout_budgets), which only a re-rendered page shows."""
        choices = checkout_budgets(member=self.member, group=group, balances=data is None)
        optional = not choices and not group_has_active_budgets(group=group)  # choices are active budgets
        self.order_fields = order_fields_for_group(business=self.business, group=group)
        form = CheckoutForm(
            data, business=self.business, group=group, addresses=checkout_addresses(member=self.member),
            budget_choices=choices, budget_optional=optional, order_fields=self.order_fields,
        )
        return form, choices, optional

    def _render(self, group, groups, form, choices, optional, cart=None, **extra):
        if self.request.method == "POST":  # the POST read the budgets without balances: the page shows them
            choices = checkout_budgets(member=self.member, group=group)
            form.budget_choices_set(choices, optional)
        cart = cart if cart is not None else cart_get(member=self.member)
        previews = []
        if self.business.po_mode == Business.POMode.GENERATED:
            if choices and not group.po_pattern:  # releases: each Blanket PO numbers its own
                releases = release_numbers_preview(business=self.business, budgets=[c.budget for c in choices])
                previews = [(c.budget.po_number, releases[c.budget.pk]) for c in choices]
            else:
                previews = [("", po_number_preview(business=self.business, group=group))]
        return self.render_to_response(self.get_context_data(
            group=group, groups=groups, form=form, cart=cart, budget_choices=choices, budget_optional=optional,
            po_previews=previews, **extra,
        ))

    def get(self, request, *args, **kwargs):
        group, groups = self._group(request.GET.get("group"))
        cart = cart_get(member=self.member)
        if group is None:
            return self.render_to_response(self.get_context_data(groups=[], cart=cart))
        if cart.is_empty:
            messages.info(request, "Your cart is empty: add products from the catalog first.")
            return redirect("orders:catalog")
        form, choices, optional = self._form(group)
        return self._render(group, groups, form, choices, optional, cart=cart)

    def post(self, request, *args, **kwargs):
        group, groups = self._group(request.POST.get("group"))
        if group is None:
            raise PermissionDenied("You are not a buyer in any group.")
        form, choices, optional = self._form(group, request.POST)
        if not form.is_valid():
            return self._render(group, groups, form, choices, optional)
        data = form.cleaned_data
        try:
            result = order_place(
                member=self.member, group=group, budget=data["budget"], address=data["address"],
                po_number=data.get("po_number") or None, checkout_token=data["checkout_token"],
                acting_user=request.user, information=form.information, order_fields=self.order_fields,
            )
        except InsufficientFunds as exc:
            form.add_error(None, f"{exc} Remaining: {exc.available}. Choose another budget or change your cart.")
            return self._render(group, groups, form, choices, optional, insufficient=exc.available)
        except (CheckoutError, BudgetError) as exc:
            error_to_form(form, exc)
            return self._render(group, groups, form, choices, optional)
        order = result.order
        if not result.created:
            messages.info(request, f"This checkout was already submitted: it is order {order.po_number}.")
        elif order.status == Order.Status.PENDING_APPROVAL:
            messages.warning(request, f"Order {order.po_number} is placed and waits for approval. {order.needs_approval_reason}")
        elif order.over_budget:
            messages.warning(request, f"Order {order.po_number} is placed, over the budget limit; your group admin will see it flagged.")
        else:
            messages.success(request, f"Order placed. Your PO number is {order.po_number}.")
        return redirect("orders:order_detail", po_number=order.po_number)
