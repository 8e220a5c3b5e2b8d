"""Budgets (Blanket PO) pages. Thin views: scope, check the role, parse the form, call one service."""

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from procurement.errors import InvalidInput, error_to_message
from procurement.inputs import InputError, id_parse
from procurement.keyset import keyset_page
from procurement.models import Group, GroupMembership
from procurement.tenancy import BusinessAdminRequiredMixin, MemberRequiredMixin, member_group_ids, member_has_role
from procurement.money import ZERO

from . import automatic, bulk, forecast, recurring, selectors, services, whatif
from .forms import AllocationFormSet, AllocationRuleForm, BudgetCreateForm, BudgetForm, DistributeForm
from .models import Budget

Role = GroupMembership.Role
ALLOCATIONS_PREFIX = "alloc"


class BudgetOverviewView(MemberRequiredMixin, TemplateView):
    """Budgets (Blanket PO) on your account: every budget the member may see."""

    template_name = "budgets/budget_overview.html"

    def get_context_data(self, **kwargs):
        low_funds = self.request.GET.get("low_funds") == "1"
        budgets = (selectors.budgets_low_on_funds if low_funds else selectors.budgets_visible_to)(member=self.member)
        page = Paginator(budgets, 25).get_page(self.request.GET.get("page"))
        admin_groups = member_group_ids(self.member, Role.GROUP_ADMIN)
        forecasts = forecast.budget_forecasts(budgets=page.object_list)
        for budget in page:
            budget.forecast = forecasts[budget.pk]
            budget.can_manage = self.member.is_business_admin or budget.group_id in admin_groups
            budget.balance_visible = budget.can_manage or budget.show_balance_to_buyers
            if budget.my_allocated is not None:
                budget.my_remaining = budget.my_allocated - budget.my_spent
        return super().get_context_data(page_obj=page, budgets=page.object_list, low_funds=low_funds, **kwargs)


class GroupAdminMixin(MemberRequiredMixin):
    """A group's budget set-up pages: business admins and that group's group admins (others 403).

    The group is looked up in the member's business (another business's id is 404).
    """

    def check_role(self):
        self.group = self.get_scoped_or_404(Group, pk=self.kwargs["group_id"])
        self.require_group_admin()

    def require_group_admin(self):
        if not member_has_role(self.member, Role.GROUP_ADMIN, group=self.group):
            raise PermissionDenied("Only business admins and this group's admins can manage its budgets.")

    def get_context_data(self, **kwargs):
        return super().get_context_data(group=self.group, **kwargs)


class BudgetMixin(GroupAdminMixin):
    """Adds `self.budget`, always reached through the group (a budget of another group is 404)."""

    def check_role(self):
        # One query on the usual path: the budget with its group (and the one-to-ones its page shows).
        budget = (
            self.scoped(Budget).filter(pk=self.kwargs["budget_id"], group_id=self.kwargs["group_id"], group__business=self.business)
            .select_related("group", "series", "allocation_rule").first()
        )
        if budget is None:  # the group's own answer first (404 or 403), then 404 for the budget
            super().check_role()
            raise Http404("No budget with this id in this group.")
        self.group = budget.group
        self.require_group_admin()
        self.budget = budget

    def get_context_data(self, **kwargs):
        return super().get_context_data(budget=self.budget, **kwargs)

    def budget_url(self, name="budget_detail"):
        return reverse(f"budgets:{name}", kwargs={"group_id": self.group.pk, "budget_id": self.budget.pk})


class BudgetListView(GroupAdminMixin, TemplateView):
    template_name = "budgets/budget_list.html"

    def get_context_data(self, **kwargs):
        page = Paginator(selectors.budgets_of_group(group=self.group), 25).get_page(self.request.GET.get("page"))
        forecasts = forecast.budget_forecasts(budgets=page.object_list)
        for budget in page:
            budget.forecast = forecasts[budget.pk]
        return super().get_context_data(page_obj=page, budgets=page.object_list, **kwargs)


class BudgetCreateView(GroupAdminMixin, FormView):
    template_name = "budgets/budget_form.html"
    form_class = BudgetCreateForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "business": self.business}

    def get_initial(self):
        today = timezone.localdate()
        return {
            "po_number": services.budget_po_number_suggest(business=self.business, today=today),
            "start_date": today,
            "end_date": datetime.date(today.year, 12, 31),
            "policy": Budget.Policy.BLOCK,
            "show_balance_to_buyers": True,
        }

    def form_valid(self, form):
        try:
            if form.repeating:
                budget = recurring.budget_series_create(
                    group=self.group, acting_user=self.request.user, **form.series_fields()
                )
            else:
                budget = services.budget_create(group=self.group, acting_user=self.request.user, **form.service_fields())
        except ValidationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, f"Blanket PO {budget.po_number} ({budget.name}) is set up.")
        return redirect("budgets:budget_detail", group_id=self.group.pk, budget_id=budget.pk)

    def get_context_data(self, **kwargs):
        return super().get_context_data(title="Set up a new blanket purchase order", **kwargs)


class BudgetEditView(BudgetMixin, FormView):
    template_name = "budgets/budget_form.html"
    form_class = BudgetForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "business": self.business, "instance": self.budget}

    def get(self, request, *args, **kwargs):
        return self.closed_redirect() or super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        return self.closed_redirect() or super().post(request, *args, **kwargs)

    def closed_redirect(self):
        if self.budget.is_active:
            return None
        messages.error(self.request, "The budget is closed; it can no longer be edited.")
        return redirect(self.budget_url())

    def form_valid(self, form):
        if "check_impact" in self.request.POST:
            threshold, error = _threshold(self.request.POST.get("what_if_threshold", ""))
            if error:
                return self.render_to_response(self.get_context_data(form=form, threshold_error=error))
            data = form.cleaned_data
            impact = whatif.budget_impact(budget=self.budget, proposal=whatif.current_proposal(
                budget=self.budget, amount=data["amount"], policy=data["policy"], approval_threshold=threshold,
                allow_unallocated_spend=data["allow_unallocated_spend"],
            ))
            return self.render_to_response(self.get_context_data(form=form, impact=impact))
        try:
            services.budget_update(budget=self.budget, acting_user=self.request.user, **form.service_fields())
        except ValidationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        messages.success(self.request, "The budget is saved.")
        return redirect(self.budget_url())

    def get_context_data(self, **kwargs):
        threshold = self.request.POST.get("what_if_threshold") if self.request.method == "POST" else None
        if threshold is None:
            threshold = self.group.approval_threshold if self.group.approval_threshold is not None else ""
        return super().get_context_data(title=f"Edit {self.budget.name}", check_impact=True,
                                        what_if_threshold=threshold, **kwargs)


class BudgetDetailView(BudgetMixin, TemplateView):
    template_name = "budgets/budget_detail.html"

    def get_context_data(self, **kwargs):
        allocations = selectors.budget_allocations(budget=self.budget)
        allocated = sum((a.amount for a in allocations), ZERO)
        budget_forecast, per_allocation = forecast.budget_page_forecasts(budget=self.budget, allocations=allocations)
        for a in allocations:
            a.forecast = per_allocation[a.pk]
        # The ledger grows with every order: keyset pages (no COUNT, no OFFSET; a deep page costs the first's).
        ledger = keyset_page(selectors.budget_ledger(budget=self.budget), field="created_at", size=25,
                             after=self.request.GET.get("after", ""), before=self.request.GET.get("before", ""))
        return super().get_context_data(
            allocations=allocations,
            allocated=allocated,
            unallocated=self.budget.amount - allocated,
            page_obj=ledger,
            ledger=ledger.object_list,
            history=selectors.budget_history(budget=self.budget),
            series=self.budget.series,
            forecast=budget_forecast,
            periods=selectors.budget_series_periods(budget=self.budget),
            rule=_allocation_rule(self.budget),
            **kwargs,
        )


def _allocation_rule(budget: Budget):
    """The budget's automatic allocation rule, or None (loaded with the budget by `BudgetMixin`)."""
    try:
        return budget.allocation_rule
    except ObjectDoesNotExist:
        return None


class BudgetCloseView(BudgetMixin, TemplateView):
    """GET asks for confirmation; POST closes."""

    template_name = "budgets/budget_close.html"

    def post(self, request, *args, **kwargs):
        try:
            services.budget_close(budget=self.budget, acting_user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Blanket PO {self.budget.po_number} is closed. Its history is kept.")
        return redirect(self.budget_url())


class AllocationsView(BudgetMixin, TemplateView):
    """The Allocations table. Every button is a submit with a name, so it all works by server round-trips:
    rows added or distributed stay unsaved in the form until Save."""

    template_name = "budgets/allocations.html"

    def get(self, request, *args, **kwargs):
        rows = [(a.member_id, a.amount) for a in selectors.budget_allocations(budget=self.budget)]
        return self.render_rows(rows)

    def post(self, request, *args, **kwargs):
        if not self.budget.is_active:
            messages.error(request, "The budget is closed; its allocations can no longer change.")
            return redirect(self.budget_url())
        formset = AllocationFormSet(request.POST, prefix=ALLOCATIONS_PREFIX)
        if not formset.management_form.is_valid():
            messages.error(request, "The form was incomplete; please try again.")
            return redirect(self.budget_url("allocations"))
        rows = self.posted_rows(formset)
        action = "remove" if "remove_member" in request.POST else request.POST.get("action", "save")
        if action == "add_individual":
            return self.add_individual(rows)
        if action == "add_all":
            return self.add_all(rows)
        if action == "remove":
            return self.remove(rows)
        if action == "distribute":
            return self.distribute(rows, formset)
        if action == "check_impact":
            return self.check_impact(formset)
        return self.save(formset)

    # --- actions: each one calls budgets.services / budgets.selectors and re-renders --------------
    def add_individual(self, rows):
        candidates = {m.pk: m for m in self.candidates(rows, buyers_only=False)}
        try:
            member = services.allocation_row_add(rows=rows, member_id=self.request.POST.get("add_member"), candidates=candidates)
        except InvalidInput as exc:
            error_to_message(self.request, exc)
        else:
            messages.info(self.request, f"{member.name} added. Enter an amount, then Save.")
        return self.render_rows(rows)

    def add_all(self, rows):
        """Every active member who can buy (buyers and group admins); says who was added and who was
        left out, and why."""
        in_rows = {member_id for member_id, _ in rows}
        added = [m for m in automatic.buying_members(budget=self.budget) if m.pk not in in_rows]
        rows.extend((m.pk, "") for m in added)
        if added:
            messages.info(
                self.request,
                f"Added {', '.join(m.name for m in added)}. Enter amounts, then Save.",
            )
        else:
            messages.info(self.request, "Every group member who can buy already has an allocation row.")
        left_out = automatic.group_members_left_out(budget=self.budget)
        if left_out:
            messages.info(self.request, "Left out: " + "; ".join(f"{m.name} ({why})" for m, why in left_out) + ".")
        return self.render_rows(rows)

    def remove(self, rows):
        saved = {a.member_id for a in selectors.budget_allocations(budget=self.budget)}
        try:
            rows = services.allocation_row_remove(rows=rows, member_id=self.request.POST.get("remove_member"), saved_ids=saved)
        except InvalidInput as exc:
            error_to_message(self.request, exc)
        return self.render_rows(rows)

    def distribute(self, rows, formset):
        choice = DistributeForm(self.request.POST)
        over = choice.cleaned_data["distribute"] if choice.is_valid() else DistributeForm.OVER_UNALLOCATED
        try:
            amounts = services.allocation_rows_amounts(rows)
        except InvalidInput as exc:
            formset.is_valid()
            return self.render_rows(rows, formset=formset, summary=[exc.message])
        try:
            amounts, total, shared = services.allocation_rows_distribute(
                budget_amount=self.budget.amount, amounts=amounts, whole_budget=over == DistributeForm.OVER_WHOLE
            )
        except InvalidInput as exc:
            return self.render_rows(rows, summary=[exc.message])
        rows = [(member_id, amount) for (member_id, _), amount in zip(rows, amounts)]
        messages.info(self.request, f"{total} {self.budget.currency} distributed over {shared} row(s). Save to keep it.")
        return self.render_rows(rows)

    def check_impact(self, formset):
        """Replay the last 90 days against the allocations on the page (nothing saved)."""
        if not formset.is_valid():
            return self.render_rows(None, formset=formset, summary=self.row_errors(formset))
        amounts = {form.cleaned_data["member_id"]: form.cleaned_data["amount"] for form in formset.forms}
        proposal = whatif.current_proposal(budget=self.budget)
        proposal = whatif.Proposal(**{**proposal.__dict__, "allocations": {**proposal.allocations, **amounts}})
        self.impact = whatif.budget_impact(budget=self.budget, proposal=proposal)
        return self.render_rows(None, formset=formset)

    def save(self, formset):
        if not formset.is_valid():
            return self.render_rows(None, formset=formset, summary=self.row_errors(formset))
        # A posted row left empty (no member, no amount) is valid in a formset but names nobody: skip it.
        filled = [form for form in formset.forms if form.cleaned_data.get("member_id") is not None]
        amounts = {form.cleaned_data["member_id"]: form.cleaned_data["amount"] for form in filled}
        try:
            services.allocations_save(budget=self.budget, amounts=amounts, acting_user=self.request.user)
        except ValidationError as exc:
            summary = []
            by_member = {form.cleaned_data["member_id"]: form for form in filled}
            for key, errors in exc.message_dict.items():
                if key in by_member:
                    for error in errors:
                        by_member[key].add_error("amount", error)
                summary.extend(errors)
            return self.render_rows(None, formset=formset, summary=summary)
        messages.success(self.request, "Allocations saved.")
        return redirect(self.budget_url())

    # --- rows ---------------------------------------------------------------------------------
    def posted_rows(self, formset) -> list[tuple[int, str]]:
        posted = [(form.data.get(form.add_prefix("member_id"), ""), form.data.get(form.add_prefix("amount"), ""))
                  for form in formset.forms]
        return selectors.allocation_rows_posted(budget=self.budget, posted=posted)

    def candidates(self, rows, *, buyers_only):
        return selectors.allocation_candidates_for_rows(budget=self.budget, rows=rows, buyers_only=buyers_only)

    def row_errors(self, formset) -> list[str]:
        ids = [form.data.get(form.add_prefix("member_id")) for form in formset.forms]
        names = {str(pk): m.name for pk, m in selectors.members_by_id(business_id=self.business.pk, ids=ids).items()}
        summary = []
        for form in formset.forms:
            member_id = form.data.get(form.add_prefix("member_id"))
            for field_errors in form.errors.values():
                for error in field_errors:
                    summary.append(f"{names.get(str(member_id), 'A row')}: {error}")
        return summary + list(formset.non_form_errors())

    def render_rows(self, rows, *, formset=None, summary=None):
        if formset is None:
            formset = AllocationFormSet(
                initial=[{"member_id": member_id, "amount": amount} for member_id, amount in rows],
                prefix=ALLOCATIONS_PREFIX,
            )
        allocations = {a.member_id: a for a in selectors.budget_allocations(budget=self.budget)}
        form_ids = [_row_member_id(form) for form in formset.forms]
        members = selectors.members_by_id(business_id=self.business.pk, ids=[i for i in form_ids if i])
        table = [
            {"form": form, "member": members.get(member_id), "allocation": allocations.get(member_id)}
            for form, member_id in zip(formset.forms, form_ids)
        ]
        candidates = self.candidates([(i, None) for i in form_ids], buyers_only=False)
        rule = automatic.AllocationRule.objects.filter(budget=self.budget).first()
        context = self.get_context_data(
            impact=getattr(self, "impact", None),
            rule=rule,
            rule_form=AllocationRuleForm(initial={"mode": rule.mode, "amount": rule.amount} if rule else {}),
            formset=formset,
            table=table,
            candidates=candidates,
            distribute_form=DistributeForm(self.request.POST or None) if self.request.method == "POST" else DistributeForm(),
            summary=summary or [],
            unsaved=any(r["allocation"] is None for r in table),
        )
        return self.render_to_response(context)


class AllocationRuleView(BudgetMixin, FormView):
    """**Set automatic allocation**: keep the rule and apply it now (POST from the Allocations page)."""

    template_name = "budgets/allocation_rule.html"
    form_class = AllocationRuleForm

    def get_initial(self):
        rule = automatic.AllocationRule.objects.filter(budget=self.budget).first()
        return {"mode": rule.mode, "amount": rule.amount} if rule else {"mode": automatic.AllocationRule.Mode.EQUAL}

    def post(self, request, *args, **kwargs):
        if not self.budget.is_active:
            messages.error(request, "The budget is closed; its allocations can no longer change.")
            return redirect(self.budget_url())
        if "remove_rule" in request.POST:
            automatic.allocation_rule_remove(budget=self.budget, acting_user=request.user)
            messages.success(request, "Automatic allocation is off. The allocations stay as they are.")
            return redirect(self.budget_url("allocations"))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            outcome = automatic.allocation_rule_set(
                budget=self.budget, mode=form.cleaned_data["mode"], amount=form.cleaned_data["amount"],
                acting_user=self.request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
            return self.form_invalid(form)
        parts = ["Automatic allocation is set; members who join the group later get theirs when they join."]
        if outcome.added:
            parts.append("Added " + ", ".join(f"{m.name} ({a:.2f})" for m, a in outcome.added) + ".")
        if outcome.changed:
            parts.append("Changed " + ", ".join(f"{m.name} ({old:.2f} → {new:.2f})" for m, old, new in outcome.changed) + ".")
        messages.success(self.request, " ".join(parts))
        for member, why in outcome.left_out:
            messages.warning(self.request, f"{member.name} was left out: {why}.")
        return redirect(self.budget_url("allocations"))


def _threshold(raw: str) -> tuple[Decimal | None, str]:
    """The what-if approval threshold typed on the edit page (blank: none)."""
    raw = (raw or "").strip()
    if not raw:
        return None, ""
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None, "Enter the approval threshold as an amount, or leave it blank."
    if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
        return None, "Enter the approval threshold as an amount of zero or more, in cents."
    return value, ""


def _row_member_id(form) -> int | None:
    value = form.data.get(form.add_prefix("member_id")) if form.is_bound else form.initial.get("member_id")
    try:
        return id_parse(value)
    except (InputError, TypeError):
        return None


def _form_errors(form, exc: ValidationError) -> None:
    """A service's ValidationError onto the form (field errors where the field exists)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


BULK_SESSION_KEY = "budgets_bulk_rows"


class BulkDownloadView(BusinessAdminRequiredMixin, TemplateView):
    """Every budget and its allocations as CSV (``?format=csv``) or XLSX (``?format=xlsx``)."""

    def get(self, request, *args, **kwargs):
        stamp = timezone.localdate().isoformat()
        if request.GET.get("format") == "xlsx":
            response = HttpResponse(
                bulk.bulk_xlsx(business=self.business),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = f'attachment; filename="budgets-{stamp}.xlsx"'
            return response
        response = HttpResponse(bulk.bulk_csv(business=self.business), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="budgets-{stamp}.csv"'
        return response


class BulkUploadView(BusinessAdminRequiredMixin, TemplateView):
    """Upload an edited file, see every change and every error by row, then confirm (all or nothing)."""

    template_name = "budgets/bulk.html"

    def post(self, request, *args, **kwargs):
        if "confirm" in request.POST:
            return self.confirm()
        upload = request.FILES.get("file")
        if upload is None:
            return self.render_to_response(self.get_context_data(file_error="Choose a CSV or XLSX file to upload."))
        if upload.size > 5 * 1024 * 1024:
            return self.render_to_response(self.get_context_data(file_error="The file is larger than 5 MB."))
        try:
            rows = bulk.bulk_read(name=upload.name, content=upload.read())
        except bulk.BulkFileError as exc:
            return self.render_to_response(self.get_context_data(file_error=str(exc)))
        plan = bulk.bulk_plan(business=self.business, rows=rows)
        if plan.valid and plan.changed:
            request.session[BULK_SESSION_KEY] = rows
        else:
            request.session.pop(BULK_SESSION_KEY, None)
        return self.render_to_response(self.get_context_data(plan=plan, file_name=upload.name))

    def confirm(self):
        rows = self.request.session.pop(BULK_SESSION_KEY, None)
        if not rows:
            messages.error(self.request, "Upload the file again: there is nothing waiting to be saved.")
            return redirect("budgets:bulk_upload")
        try:
            plan = bulk.bulk_apply(business=self.business, rows=rows, acting_user=self.request.user)
        except ValidationError as exc:
            return self.render_to_response(self.get_context_data(apply_errors=exc.messages))
        messages.success(self.request, f"Saved: {len(plan.changed)} budget row(s) changed.")
        return redirect("budgets:budget_overview")
