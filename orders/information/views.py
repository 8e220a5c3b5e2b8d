"""Business Settings -> Order information (business admins), and the checkout's choice search (JSON)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect
from django.views import View
from django.views.generic import FormView, TemplateView

from orders.information import selectors, services
from orders.information.forms import ChoicesBulkForm, OrderFieldForm
from orders.models import OrderField, OrderFieldChoice
from procurement.errors import ApplicationError, error_to_form, error_to_message
from procurement.inputs import InputError, int_parse
from procurement.tenancy import BusinessAdminRequiredMixin, MemberRequiredMixin


class OrderFieldListView(BusinessAdminRequiredMixin, TemplateView):
    template_name = "orders/information/field_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(fields=selectors.order_field_list(business=self.business), **kwargs)


class FieldObjectMixin:
    """Looks the field up through the member's business before anything else (404 for others)."""

    def check_role(self):
        super().check_role()
        self.field = self.get_scoped_or_404(OrderField, pk=self.kwargs["field_id"])


class OrderFieldFormMixin:
    template_name = "orders/information/field_form.html"
    form_class = OrderFieldForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "business": self.business, "field": getattr(self, "field", None)}


class OrderFieldCreateView(BusinessAdminRequiredMixin, OrderFieldFormMixin, FormView):
    def form_valid(self, form):
        try:
            field = services.order_field_create(business=self.business, acting_user=self.request.user, **form.service_fields())
        except ApplicationError as exc:
            error_to_form(form, exc)
            return self.form_invalid(form)
        if field.type == OrderField.Type.CHOICE:
            messages.success(self.request, f"Field “{field.name}” added. Now add its choices.")
            return redirect("orders:order_field_choices", field_id=field.pk)
        messages.success(self.request, f"Field “{field.name}” added. Buyers fill it at checkout from now on.")
        return redirect("orders:order_fields")


class OrderFieldEditView(FieldObjectMixin, BusinessAdminRequiredMixin, OrderFieldFormMixin, FormView):
    def get_context_data(self, **kwargs):
        return super().get_context_data(field=self.field, **kwargs)

    def form_valid(self, form):
        try:
            services.order_field_update(field=self.field, acting_user=self.request.user, **form.service_fields())
        except ApplicationError as exc:
            error_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Field “{self.field.name}” saved. Orders placed before keep their values.")
        return redirect("orders:order_fields")


class OrderFieldActiveView(FieldObjectMixin, BusinessAdminRequiredMixin, View):
    """POST: deactivate (active=0) or reactivate (active=1) a field."""

    def post(self, request, *args, **kwargs):
        active = request.POST.get("active") == "1"
        services.order_field_set_active(field=self.field, active=active, acting_user=request.user)
        if active:
            messages.success(request, f"Field “{self.field.name}” is active again.")
        else:
            messages.success(request, f"Field “{self.field.name}” deactivated: checkout no longer asks it; past orders keep their values.")
        return redirect("orders:order_fields")


class OrderFieldChoicesView(FieldObjectMixin, BusinessAdminRequiredMixin, FormView):
    """A choice field's list (searchable, paginated) and the bulk paste / CSV upload."""

    template_name = "orders/information/field_choices.html"
    form_class = ChoicesBulkForm

    def get_context_data(self, **kwargs):
        search = self.request.GET.get("q", "")
        page = Paginator(selectors.order_field_choices(field=self.field, search=search), 50).get_page(self.request.GET.get("page"))
        return super().get_context_data(field=self.field, page_obj=page, choices=page.object_list, search=search, **kwargs)

    def form_valid(self, form):
        try:
            result = services.order_field_choices_add(field=self.field, text=form.cleaned_data["choices_text"], acting_user=self.request.user)
        except ApplicationError as exc:
            error_to_form(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"{result.added} choice{'s' if result.added != 1 else ''} added, {result.updated} updated.")
        return redirect("orders:order_field_choices", field_id=self.field.pk)


class OrderFieldChoiceActiveView(FieldObjectMixin, BusinessAdminRequiredMixin, View):
    """POST choice=<id>&active=0|1: hide a choice from checkout or offer it again."""

    def post(self, request, *args, **kwargs):
        try:
            choice_id = int_parse(request.POST.get("choice"), minimum=1, maximum=2**63 - 1, what="choice")
        except InputError as exc:
            error_to_message(request, exc)
            return redirect("orders:order_field_choices", field_id=self.field.pk)
        choice = self.get_scoped_or_404(OrderFieldChoice.objects.filter(field=self.field), pk=choice_id or 0)
        active = request.POST.get("active") == "1"
        services.order_field_choice_set_active(choice=choice, active=active, acting_user=request.user)
        messages.success(request, f"“{choice.value}” {'is offered again' if active else 'is no longer offered at checkout'}.")
        return redirect("orders:order_field_choices", field_id=self.field.pk)


class ChoiceSearchView(MemberRequiredMixin, View):
    """GET ?q=&page=: one page of a choice field's active choices as JSON, for the checkout combobox.
    Any member of the business (buyers check out); another business's field is a 404."""

    def check_role(self):
        super().check_role()  # the field first: another business's id is a 404 whatever the method
        self.field = self.get_scoped_or_404(OrderField.objects.filter(type=OrderField.Type.CHOICE, active=True), pk=self.kwargs["field_id"])

    def get(self, request, *args, **kwargs):
        field = self.field
        try:
            page = int_parse(request.GET.get("page"), minimum=1, maximum=selectors.SEARCH_PAGES_MAX, what="page") or 1
        except InputError:
            page = 1
        results, more = selectors.choice_search(business=self.business, field_id=field.pk, query=request.GET.get("q", ""), page=page)
        return JsonResponse({"results": results, "page": page, "more": more})
