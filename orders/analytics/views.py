"""Business Analytics: spend charts, the orders report and its exports, the budget report."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    QueryDict,
    StreamingHttpResponse,
)
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views import View
from django.views.generic import TemplateView

from budgets.forecast import budget_forecasts

from orders.analytics import selectors as analytics
from orders.analytics.csv_copy import report_csv
from orders.access import FinanceMixin
from orders.models import Category, Order
from procurement.errors import error_to_message
from procurement.jobs.views import job_start, job_token
from procurement.models import Group, Member


#: Reports up to this many lines download as XLSX inside the request; larger ones go through a job.
XLSX_SYNC_ROWS = 5_000


class AnalyticsView(FinanceMixin, TemplateView):
    template_name = "orders/finance/analytics.html"

    def get_context_data(self, **kwargs):
        start, end, errors = analytics.date_range(data=self.request.GET)
        for e in errors:
            messages.error(self.request, e)
        report = reverse("orders:orders_report")
        charts = []
        by_dimension, total = analytics.spend_summary(business=self.business, start=start, end=end)
        for key, title in analytics.DIMENSIONS.items():
            rows = by_dimension[key]
            for r in rows:
                r.url = f"{report}?{urlencode({**r.filters, 'status': 'spend'})}"
            charts.append({"key": key, "title": f"Spend by {title.lower() if key != 'budget' else title}", "rows": rows})
        total_url = f"{report}?{urlencode({'date_from': start.isoformat(), 'date_to': end.isoformat(), 'status': 'spend'})}"
        return super().get_context_data(charts=charts, start=start, end=end, total=total, total_url=total_url, **kwargs)


class OrdersReportView(FinanceMixin, TemplateView):
    template_name = "orders/finance/orders_report.html"

    def get_context_data(self, **kwargs):
        filters = analytics.report_filters(data=self.request.GET)
        try:
            qs = analytics.orders_report(business=self.business, filters=filters)
            totals = analytics.report_totals(qs)
        except analytics.ReportFilterError as exc:
            error_to_message(self.request, exc)
            filters = {}
            qs = analytics.orders_report(business=self.business)
            totals = analytics.report_totals(qs)
        paginator = Paginator(qs.values_list(*analytics.REPORT_FIELDS), 50)
        paginator.count = totals["lines"]  # already counted with the totals: no second COUNT query
        page = paginator.get_page(self.request.GET.get("page"))
        fields = analytics.report_fields(business=self.business)
        rows = analytics.report_with_fields(list(page.object_list), business_id=self.business.pk, fields=fields)
        rows = [analytics.report_row(v) for v in rows]
        return super().get_context_data(
            page_obj=page, rows=rows, columns=analytics.report_columns(fields), totals=totals,
            field_filters=[(f, f"field_{f.pk}", filters.get(f"field_{f.pk}", "")) for f in fields if f.active],
            filters=filters, query=urlencode(filters), job_token=job_token(),
            groups=self.scoped(Group).order_by("name").values_list("pk", "name"),
            buyers=self.scoped(Member).select_related("user").order_by("user__first_name", "user__last_name"),
            categories=Category.objects.order_by("name").values_list("pk", "name"),
            statuses=[("spend", "Placed, shipped or delivered"), *Order.Status.choices],
            **kwargs,
        )


class OrdersReportExportView(FinanceMixin, View):
    """CSV streams as PostgreSQL writes it (COPY; from Python on SQLite); XLSX is written row by row to a
    temporary file."""

    def get(self, request):
        try:
            qs = analytics.orders_report(business=self.business, filters=analytics.report_filters(data=request.GET))
        except analytics.ReportFilterError as exc:
            error_to_message(request, exc)
            return redirect("orders:orders_report")
        stamp = timezone.localdate().isoformat()
        extra = {"fields": analytics.report_fields(business=self.business), "business_id": self.business.pk}
        if request.GET.get("format") == "xlsx":
            if qs.count() > XLSX_SYNC_ROWS:
                messages.info(request, f"This report has more than {XLSX_SYNC_ROWS:,} lines: Export XLSX prepares the "
                              "file in the background and shows its progress.")
                return redirect(f"{reverse('orders:orders_report')}?{urlencode(analytics.report_filters(data=request.GET))}")
            return FileResponse(analytics.report_xlsx_file(qs, **extra), as_attachment=True, filename=f"orders-report-{stamp}.xlsx")
        response = StreamingHttpResponse(report_csv(qs, **extra), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="orders-report-{stamp}.csv"'
        return response


class OrdersReportXlsxJobView(FinanceMixin, View):
    """Export XLSX: a background job with the report's filters (POST; the same form twice is one job)."""

    def get(self, request):
        return redirect("orders:orders_report")

    def post(self, request):
        filters = analytics.report_filters(data=QueryDict(request.POST.get("query", "")))
        try:
            analytics.orders_report(business=self.business, filters=filters)
        except analytics.ReportFilterError as exc:
            error_to_message(request, exc)
            return redirect("orders:orders_report")
        return job_start(request, member=self.member, kind="orders_report_xlsx", params={"filters": filters},
                         fallback_url=reverse("orders:orders_report"))


class BudgetReportView(FinanceMixin, TemplateView):
    template_name = "orders/finance/budget_report.html"

    def get_context_data(self, **kwargs):
        page = Paginator(analytics.budget_report(business=self.business), 25).get_page(self.request.GET.get("page"))
        members = analytics.budget_members(budget_ids=[b.pk for b in page.object_list])
        forecasts = budget_forecasts(budgets=page.object_list)
        for b in page.object_list:
            b.forecast = forecasts[b.pk]
        budgets = [(b, members.get(b.pk, [])) for b in page.object_list]
        return super().get_context_data(page_obj=page, budgets=budgets, **kwargs)
