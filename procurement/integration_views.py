"""Your API tokens (every member, their own) and the business's webhooks (business admins), issue 15."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import FormView, TemplateView, View

from .api_tokens import ApiTokenError, api_token_create, api_token_revoke, api_tokens_of
from .errors import error_to_form, error_to_message
from .forms import ApiTokenForm, WebhookEndpointForm
from .models import WebhookDelivery, WebhookEndpoint
from .tenancy import BusinessAdminRequiredMixin, MemberRequiredMixin
from .webhooks import WebhookError, delivery_resend, webhook_endpoint_create, webhook_endpoint_update


class ApiTokenListView(MemberRequiredMixin, FormView):
    """API tokens: create one (its text is shown once, on the page that answers the form), list, revoke."""

    template_name = "procurement/api_tokens.html"
    form_class = ApiTokenForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(tokens=api_tokens_of(member=self.member), **kwargs)

    def form_valid(self, form):
        try:
            token, raw = api_token_create(
                member=self.member, name=form.cleaned_data["name"], expires_in_days=form.cleaned_data["expires_in_days"],
            )
        except ApiTokenError as error:
            error_to_form(form, error)
            return self.form_invalid(form)
        response = self.render_to_response(self.get_context_data(form=self.form_class(), new_token=raw, new_token_obj=token))
        response["Cache-Control"] = "no-store"
        return response


class ApiTokenRevokeView(MemberRequiredMixin, View):
    """POST: revoke one of your own tokens (anyone else's token id is 404)."""

    def check_role(self):
        super().check_role()
        self.token = get_object_or_404(api_tokens_of(member=self.member), pk=self.kwargs["token_id"])

    def post(self, request, token_id: int):
        try:
            token = api_token_revoke(member=self.member, token_id=self.token.pk)
        except ApiTokenError as error:
            error_to_message(request, error)
        else:
            messages.success(request, f"Token “{token.name}” revoked.")
        return redirect("procurement:api_tokens")


class WebhookListView(BusinessAdminRequiredMixin, FormView):
    template_name = "procurement/webhooks.html"
    form_class = WebhookEndpointForm

    def get_context_data(self, **kwargs):
        return super().get_context_data(endpoints=self.scoped(WebhookEndpoint), **kwargs)

    def form_valid(self, form):
        try:
            endpoint = webhook_endpoint_create(business=self.business, url=form.cleaned_data["url"], events=form.cleaned_data["events"])
        except WebhookError as error:
            error_to_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, f"Webhook endpoint {endpoint.url} added.")
        return redirect("procurement:webhook_edit", endpoint.pk)


class WebhookEditView(BusinessAdminRequiredMixin, FormView):
    """One endpoint: its URL, events and state, and its signing secret (for the receiver's check)."""

    template_name = "procurement/webhook_edit.html"
    form_class = WebhookEndpointForm

    def check_role(self):
        super().check_role()
        self.endpoint = self.get_scoped_or_404(WebhookEndpoint, pk=self.kwargs["endpoint_id"])

    def get_initial(self):
        return {"url": self.endpoint.url, "events": self.endpoint.events, "is_active": self.endpoint.is_active}

    def get_context_data(self, **kwargs):
        return super().get_context_data(endpoint=self.endpoint, **kwargs)

    def form_valid(self, form):
        try:
            webhook_endpoint_update(
                endpoint=self.endpoint, url=form.cleaned_data["url"], events=form.cleaned_data["events"],
                is_active=form.cleaned_data["is_active"],
            )
        except WebhookError as error:
            error_to_form(form, error)
            return self.form_invalid(form)
        messages.success(self.request, "Webhook endpoint saved.")
        return redirect("procurement:webhooks")


class WebhookDeliveryListView(BusinessAdminRequiredMixin, TemplateView):
    """The delivery log: every outbox row, newest first, with its attempts and a Resend button."""

    template_name = "procurement/webhook_deliveries.html"

    def get_context_data(self, **kwargs):
        rows = self.scoped(WebhookDelivery).select_related("endpoint")
        page = Paginator(rows, 50).get_page(self.request.GET.get("page"))
        return super().get_context_data(page_obj=page, deliveries=page.object_list, **kwargs)


class WebhookResendView(BusinessAdminRequiredMixin, View):
    """POST: queue a delivery's payload again (another business's delivery id is 404)."""

    def check_role(self):
        super().check_role()
        self.delivery = self.get_scoped_or_404(WebhookDelivery.objects.select_related("endpoint"), pk=self.kwargs["delivery_id"])

    def post(self, request, delivery_id: int):
        delivery = self.delivery
        delivery_resend(delivery=delivery)
        messages.success(request, f"The {delivery.event} event is queued again for {delivery.endpoint.url}.")
        return redirect("procurement:webhook_deliveries")
