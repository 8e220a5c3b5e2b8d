"""Catalog, cart, checkout, Your Orders, order page, Find by PO number, Approvals, PO number rules."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView

from budgets.ledger import BudgetError, InsufficientFunds
from procurement.models import Business, Group, GroupMembership
from procurement.tenancy import BusinessAdminRequiredMixin, MemberRequiredMixin, member_group_ids, member_has_role

from .. import selectors
from ..approvals import ApprovalError, order_approve, order_reject
from ..cart import cart_add, cart_get, cart_update
from ..checkout import CheckoutError, order_place
from ..finance_selectors import finance_find
from ..forms import (
    AddToCartForm, CartLineForm, CheckoutForm, GroupPatternForm, OrderFilterForm, POSettingsForm, RejectForm,
)
from ..models import Category, Order, Product
from ..po_numbers import group_po_pattern_update, po_number_preview, po_rules_update
from ..shipping import ShippingError, order_cancel

Role = GroupMembership.Role
PAGE_SIZE = 25


def _page(request, qs, size=PAGE_SIZE):
    return Paginator(qs, size).get_page(request.GET.get("page"))


class CatalogView(MemberRequiredMixin, TemplateView):
    template_name = "orders/shop/catalog.html"
    required_roles = (Role.BUYER,)

    def get_context_data(self, **kwargs):
        query = self.request.GET.get("q", "").strip()[:100]
        try:
            category_id = int(self.request.GET.get("category") or 0) or None
        except ValueError:
            category_id = None
        page = _page(self.request, selectors.catalog_products(query=query, category_id=category_id), 24)
        return super().get_context_data(
            page_obj=page, products=page.object_list, query=query, category_id=category_id,
            categories=Category.objects.order_by("name"), **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = AddToCartForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Enter a quantity from 1 to 9999.")
            return redirect(request.get_full_path())
        product = get_object_or_404(Product, pk=form.cleaned_data["product"], active=True)
        try:
            cart_add(member=self.member, product=product, quantity=form.cleaned_data["quantity"])
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Added {form.cleaned_data['quantity']} × {product.name} to your cart.")
        return redirect(request.get_full_path())


class CartView(MemberRequiredMixin, TemplateView):
    template_name = "orders/shop/cart.html"
    required_roles = (Role.BUYER,)

    def get_context_data(self, **kwargs):
        return super().get_context_data(cart=cart_get(member=self.member), **kwargs)

    def post(self, request, *args, **kwargs):
        form = CartLineForm(request.POST)
        if "remove" in request.POST:
            data = request.POST.copy()
            data["quantity"] = "0"
            form = CartLineForm(data)
        if not form.is_valid():
            messages.error(request, "Enter a quantity from 0 to 9999 (0 removes the line).")
            return redirect("orders:cart")
        cart_update(member=self.member, item_id=form.cleaned_data["item"], quantity=form.cleaned_data["quantity"])
        messages.success(request, "Removed from your cart." if form.cleaned_data["quantity"] == 0 else "Cart updated.")
        return redirect("orders:cart")


class CheckoutView(MemberRequiredMixin, TemplateView):
    template_name = "orders/shop/checkout.html"
    required_roles = (Role.BUYER,)

    def _group(self, raw):
        groups = list(selectors.buyer_groups(member=self.member))
        if not groups:
            return None, groups
        try:
            wanted = int(raw or 0)
        except ValueError:
            wanted = 0
        return next((g for g in groups if g.pk == wanted), groups[0]), groups

    def _form(self, group, data=None):
        choices = selectors.checkout_budgets(member=self.member, group=group)
        optional = not selectors.group_has_active_budgets(group=group)
        form = CheckoutForm(
            data, business=self.business, group=group, addresses=selectors.checkout_addresses(member=self.member),
            budget_choices=choices, budget_optional=optional,
        )
        return form, choices, optional

    def _render(self, group, groups, form, choices, optional, **extra):
        cart = cart_get(member=self.member)
        previews = []
        if self.business.po_mode == Business.POMode.GENERATED:
            if choices and not group.po_pattern:  # releases: each Blanket PO numbers its own
                previews = [(c.budget.po_number, po_number_preview(business=self.business, group=group, budget=c.budget))
                            for c in choices]
            else:
                previews = [("", po_number_preview(business=self.business, group=group))]
        return self.render_to_response(self.get_context_data(
            group=group, groups=groups, form=form, cart=cart, budget_choices=choices, budget_optional=optional,
            po_previews=previews, **extra,
        ))

    def get(self, request, *args, **kwargs):
        group, groups = self._group(request.GET.get("group"))
        if group is None:
            return self.render_to_response(self.get_context_data(groups=[], cart=cart_get(member=self.member)))
        if cart_get(member=self.member).is_empty:
            messages.info(request, "Your cart is empty: add products from the catalog first.")
            return redirect("orders:catalog")
        form, choices, optional = self._form(group)
        return self._render(group, groups, form, choices, optional)

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
                acting_user=request.user,
            )
        except InsufficientFunds as exc:
            form.add_error(None, f"{exc} Remaining: {exc.available}. Choose another budget or change your cart.")
            return self._render(group, groups, form, choices, optional, insufficient=exc.available)
        except (CheckoutError, BudgetError) as exc:
            form.add_error(None, str(exc))
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


class OrderListView(MemberRequiredMixin, TemplateView):
    template_name = "orders/shop/order_list.html"

    def get_context_data(self, **kwargs):
        groups = Group.objects.filter(business=self.business).order_by("name")
        if not self.member.is_business_admin:
            groups = groups.filter(pk__in=member_group_ids(self.member))
        form = OrderFilterForm(self.request.GET or None, groups=groups)
        filters = form.cleaned_data if form.is_valid() else {}
        qs = selectors.order_list(
            member=self.member, status=filters.get("status", ""), group_id=filters.get("group"),
            date_from=filters.get("date_from"), date_to=filters.get("date_to"), po_number=filters.get("po_number", ""),
        )
        page = _page(self.request, qs)
        return super().get_context_data(form=form, page_obj=page, orders=page.object_list, filtered=bool(filters and any(filters.values())), **kwargs)


class OrderDetailView(MemberRequiredMixin, TemplateView):
    template_name = "orders/shop/order_detail.html"

    def get_order(self):
        order = selectors.order_detail(business_id=self.business.pk, po_number=self.kwargs["po_number"])
        if order is None:
            raise Http404("No order with this PO number.")
        if not selectors.order_visible_to(order=order, member=self.member):
            raise PermissionDenied("This order is not one of yours or your groups'.")
        return order

    def may_cancel(self, order):
        return selectors.order_cancellable(order) and (
            order.buyer_id == self.member.pk
            or member_has_role(self.member, Role.GROUP_ADMIN, group=order.group_id)
        )

    def get_context_data(self, **kwargs):
        order = self.get_order()
        return super().get_context_data(
            order=order, lines=order.lines.all(), timeline=selectors.order_timeline(order),
            may_cancel=self.may_cancel(order), **kwargs,
        )

    def post(self, request, *args, **kwargs):
        self.get_order()  # 404 for another business's number, before saying the method is wrong
        return HttpResponseNotAllowed(["GET"])


class OrderCancelView(OrderDetailView):
    def get(self, request, *args, **kwargs):
        order = self.get_order()
        return redirect("orders:order_detail", po_number=order.po_number)

    def post(self, request, *args, **kwargs):
        order = self.get_order()
        if not self.may_cancel(order):
            if selectors.order_cancellable(order):
                raise PermissionDenied("Only the buyer or an admin can cancel this order.")
            messages.error(request, "This order can no longer be cancelled here: part of it has shipped or it is closed.")
            return redirect("orders:order_detail", po_number=order.po_number)
        try:
            order_cancel(order=order, acting_user=request.user, reason=f"by {self.member.name}")
        except ShippingError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Order {order.po_number} is cancelled; its amount went back to the budget.")
        return redirect("orders:order_detail", po_number=order.po_number)


class FindView(MemberRequiredMixin, TemplateView):
    template_name = "orders/shop/find.html"

    def get(self, request, *args, **kwargs):
        query = request.GET.get("q", "").strip()[:64]
        if not query:
            return self.render_to_response(self.get_context_data(query="", page_obj=None, message="Enter a PO number to find its order."))
        exact, partial = selectors.order_find(member=self.member, query=query)
        if exact is not None:
            return redirect("orders:order_detail", po_number=exact.po_number)
        # Finance and admins also find invoices and payments by PO or invoice number.
        found = (
            finance_find(business=self.business, q=query)
            if member_has_role(self.member, Role.FINANCE)
            else {"invoices": [], "payments": []}
        )
        exact_invoice = next((i for i in found["invoices"] if i.number.lower() == query.lower()), None)
        if exact_invoice is not None:
            return redirect("orders:invoice_detail", invoice_number=exact_invoice.number)
        page = _page(request, partial)
        nothing = not (page.paginator.count or found["invoices"] or found["payments"])
        message = f"No order, invoice or payment with a PO number like “{query}”." if nothing else ""
        return self.render_to_response(self.get_context_data(
            query=query, page_obj=page, orders=page.object_list, message=message,
            invoices=found["invoices"], payments=found["payments"],
        ))


class ApprovalsView(MemberRequiredMixin, TemplateView):
    template_name = "orders/shop/approvals.html"
    required_roles = (Role.APPROVER,)

    def get_context_data(self, **kwargs):
        page = _page(self.request, selectors.pending_approvals(member=self.member))
        return super().get_context_data(page_obj=page, orders=page.object_list, **kwargs)

    def post(self, request, *args, **kwargs):
        po_number = request.POST.get("po_number", "")
        order = self.get_scoped_or_404(Order.objects.select_related("budget", "buyer", "group"), po_number=po_number)
        try:
            if request.POST.get("decision") == "approve":
                order_approve(order=order, approver=self.member, acting_user=request.user)
                messages.success(request, f"Order {order.po_number} approved and charged to its budget.")
            else:
                form = RejectForm(request.POST)
                if not form.is_valid():
                    messages.error(request, f"Give a reason to reject order {order.po_number}; the buyer will read it.")
                    return redirect("orders:approvals")
                order_reject(order=order, approver=self.member, reason=form.cleaned_data["reason"], acting_user=request.user)
                messages.success(request, f"Order {order.po_number} rejected.")
        except ApprovalError as exc:
            messages.error(request, str(exc))
        return redirect("orders:approvals")


class POSettingsView(BusinessAdminRequiredMixin, TemplateView):
    template_name = "orders/shop/po_settings.html"

    def _initial(self):
        b = self.business
        return {"po_required": b.po_required, "po_mode": b.po_mode, "po_pattern": b.po_pattern, "po_regex": b.po_regex}

    def get_context_data(self, form=None, group_errors=None, example=None, **kwargs):
        groups = list(self.scoped(Group).order_by("name"))
        if example is None:
            example = po_number_preview(business=self.business, group=None)
        for g in groups:
            g.example = po_number_preview(business=self.business, group=g) if g.po_pattern else ""
        return super().get_context_data(
            form=form or POSettingsForm(initial=self._initial()), groups=groups, example=example,
            group_errors=group_errors or {}, **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if "group" in request.POST:
            form = GroupPatternForm(request.POST)
            group = None
            if form.is_valid():
                group = self.get_scoped_or_404(Group, pk=form.cleaned_data["group"])
                group_po_pattern_update(group=group, po_pattern=form.cleaned_data["po_pattern"], acting_user=request.user)
                messages.success(request, f"Saved the PO number pattern of {group.name}.")
                return redirect("orders:po_settings")
            try:
                gid = int(request.POST.get("group"))
            except (TypeError, ValueError):
                raise Http404
            self.get_scoped_or_404(Group, pk=gid)
            errors = {gid: " ".join(form.errors.get("po_pattern", ["Invalid pattern."]))}
            return self.render_to_response(self.get_context_data(group_errors=errors), status=200)
        form = POSettingsForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        if "preview" in request.POST:  # show the next number of the typed pattern without saving it
            example = po_number_preview(business=self.business, pattern=form.cleaned_data["po_pattern"])
            return self.render_to_response(self.get_context_data(form=form, example=example, previewing=True))
        po_rules_update(business=self.business, acting_user=request.user, **form.cleaned_data)
        messages.success(request, "Saved the PO number rules.")
        return redirect("orders:po_settings")
