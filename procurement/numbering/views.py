"""Business Settings → PO numbers."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import TemplateView

from procurement.models import Group
from procurement.numbering.forms import GroupPatternForm, POSettingsForm
from procurement.numbering.services import (
    group_po_pattern_update,
    po_number_preview,
    po_rules_update,
)
from procurement.tenancy import (
    BusinessAdminRequiredMixin,
)


class POSettingsView(BusinessAdminRequiredMixin, TemplateView):
    template_name = "procurement/po_settings.html"

    def _initial(self):
        b = self.business
        return {"po_required": b.po_required, "po_mode": b.po_mode, "po_pattern": b.po_pattern, "po_regex": b.po_regex,
                "blanket_po_pattern": b.blanket_po_pattern}

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
                return redirect("procurement:po_settings")
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
        return redirect("procurement:po_settings")
