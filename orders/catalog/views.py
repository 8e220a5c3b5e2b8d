"""Catalog and cart."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import TemplateView

from orders.catalog.forms import AddToCartForm, CartLineForm
from orders.catalog.selectors import catalog_products
from orders.catalog.services import cart_add, cart_get, cart_update
from orders.models import Category, Product
from orders.policies.selectors import buying_hints, hidden_category_ids, month_spent, order_policy
from procurement.inputs import InputError, id_parse
from procurement.models import Group, GroupMembership
from procurement.tenancy import MemberRequiredMixin, member_group_ids

Role = GroupMembership.Role


PAGE_SIZE = 25


def _page(request, qs, size=PAGE_SIZE):
    return Paginator(qs, size).get_page(request.GET.get("page"))


def _buyer_groups(member):
    """The groups the member buys for (their buying policies apply)."""
    return list(Group.objects.filter(business_id=member.business_id, pk__in=member_group_ids(member, Role.BUYER)).order_by("name"))


class CatalogView(MemberRequiredMixin, TemplateView):
    template_name = "orders/shop/catalog.html"
    required_roles = (Role.BUYER,)

    def get_context_data(self, **kwargs):
        query = self.request.GET.get("q", "").strip()[:100]
        try:
            category_id = id_parse(self.request.GET.get("category"))
        except InputError:
            category_id = None
        hints = buying_hints(member=self.member, groups=_buyer_groups(self.member))
        products = catalog_products(query=query, category_id=category_id).exclude(category_id__in=hints.hidden_category_ids)
        page = _page(self.request, products, 24)
        for product in page.object_list:
            product.approval_reasons = hints.product_reasons(product)
        return super().get_context_data(
            page_obj=page, products=page.object_list, query=query, category_id=category_id,
            categories=Category.objects.exclude(pk__in=hints.hidden_category_ids).order_by("name"), **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = AddToCartForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Enter a quantity from 1 to 9999.")
            return redirect(request.get_full_path())
        product = get_object_or_404(Product, pk=form.cleaned_data["product"], active=True)
        if product.category_id in hidden_category_ids(member=self.member, group_ids=member_group_ids(self.member, Role.BUYER)):
            messages.error(request, f"{product.category.name} may not be ordered in your groups.")
            return redirect(request.get_full_path())
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
        cart = cart_get(member=self.member)
        policies = []
        if not cart.is_empty:
            category_ids = {item.product.category_id for item in cart.items}
            spent = month_spent(member=self.member)
            for group in _buyer_groups(self.member):
                verdict = order_policy(member=self.member, group=group, total=cart.subtotal, category_ids=category_ids,
                                       spent_this_month=spent)
                policies.append((group, verdict))
        return super().get_context_data(cart=cart, policies=policies, **kwargs)

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
