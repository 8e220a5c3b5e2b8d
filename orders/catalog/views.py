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
from procurement.inputs import InputError, id_parse
from procurement.models import GroupMembership
from procurement.tenancy import (
    MemberRequiredMixin,
)

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
            category_id = id_parse(self.request.GET.get("category"))
        except InputError:
            category_id = None
        page = _page(self.request, catalog_products(query=query, category_id=category_id), 24)
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
