"""Time the bank statement import at scale: parse, match, and the set-based save, against the per-row save.

    python manage.py bench_statement --rows 100000 [--sample 1000] [--commit]

The statement names the business's invoice and PO numbers (with their totals) and carries free text;
everything runs inside a transaction that is rolled back (unless --commit), so the command can be
repeated on the same data. The per-row figure (`payment_record` row by row, the confirm step before
the set-based save) is measured on --sample rows and extrapolated. Numbers go to BENCHMARKS.md.
"""

from __future__ import annotations

import datetime
import os
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from orders.finance import statements
from orders.finance.payments import payment_record
from orders.models import Invoice, Order
from procurement.models import Business, Member

MAPPING = {"date": "Date", "amount": "Amount", "reference": "Description", "date_format": "%Y-%m-%d"}
NOISE = "ACH CREDIT ORIG CO NAME ACME CORP CO ENTRY DESCR PAYMENT SEC CCD TRACE 021000021234567 IND ID 88412"


class Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Time the statement import (parse, match, set-based save) and the per-row save on a sample."

    def add_arguments(self, parser):
        parser.add_argument("--rows", type=int, default=100_000)
        parser.add_argument("--sample", type=int, default=1_000, help="rows for the per-row (before) timing; 0 skips it")
        parser.add_argument("--business", default="", help="business name (default: the one with most invoices)")
        parser.add_argument("--commit", action="store_true", help="keep the imported payments")

    def handle(self, *args, **opts):
        business = self._business(opts["business"])
        member = Member.objects.filter(business=business, is_business_admin=True, is_active=True).select_related("user").first()
        if member is None:
            raise CommandError(f"{business.name} has no business admin to import as.")
        text = self._statement(business, opts["rows"])
        out = {"rows": opts["rows"], "bytes": len(text), "vendor": connection.vendor, "business": business.name,
               "invoices": Invoice.objects.filter(business=business).count()}

        cpu = time.process_time()
        started = time.monotonic()
        rows = statements.statement_parse(business=business, text=text, mapping=MAPPING)
        out["parse_s"] = time.monotonic() - started
        started = time.monotonic()
        statements.statement_match(business=business, rows=rows)
        out["match_s"] = time.monotonic() - started
        out["matched"] = sum(1 for r in rows if r.status == "matched")

        started = time.monotonic()
        try:
            with transaction.atomic():
                result = statements.statement_import(business=business, text=text, mapping=MAPPING, filename="bench.csv",
                                                     member=member, acting_user=member.user)
                out["import_s"] = time.monotonic() - started  # parse + match + save, before the commit
                out["cpu_s"] = time.process_time() - cpu
                if not opts["commit"]:
                    raise Rollback
        except Rollback:
            pass
        out["total_s"] = time.monotonic() - started
        out["saved"] = result.matched + result.to_resolve
        out["save_s"] = out["import_s"] - out["parse_s"] - out["match_s"]

        if opts["sample"]:
            sample = rows[: opts["sample"]]
            started = time.monotonic()
            try:
                with transaction.atomic():
                    for row in sample:
                        if row.status == "duplicate":
                            continue
                        ref = row.ref
                        payment_record(
                            business=business, received_on=row.received_on, amount=row.amount, acting_user=member.user,
                            method="Bank", reference=row.reference,
                            po_number=(ref.po_numbers[0] if ref.po_numbers else (row.targets[0].order.po_number if row.targets else "")),
                            invoice_number=ref.invoice_numbers[0] if ref.invoice_numbers else "",
                            invoices=row.targets if row.status == "matched" else [], fingerprint=row.fingerprint,
                            prefer_exact=True,
                        )
                    raise Rollback
            except Rollback:
                pass
            per_row = (time.monotonic() - started) / max(len(sample), 1)
            out["per_row_save_s"] = per_row * opts["rows"]
        self._print(out)
        return None

    def _business(self, name: str) -> Business:
        qs = Business.objects.all()
        if name:
            business = qs.filter(name=name).first()
        else:
            business = qs.annotate(n=Count("invoices")).order_by("-n").first() if hasattr(Business, "invoices") else None
            if business is None:
                top = Invoice.objects.values("business").annotate(n=Count("id")).order_by("-n").first()
                business = qs.filter(pk=top["business"]).first() if top else None
        if business is None:
            raise CommandError("No business with invoices: run seed_demo first.")
        return business

    def _statement(self, business: Business, rows: int) -> str:
        """Rows naming invoice numbers (their totals), PO numbers (their totals) and nothing, 2:2:1."""
        refs = [(n, t) for n, t in Invoice.objects.filter(business=business).values_list("number", "total")[:20_000]]
        refs += [(p, t) for p, t in Order.objects.filter(business=business).values_list("po_number", "total")[:20_000]]
        if not refs:
            raise CommandError(f"{business.name} has no invoices or orders.")
        today = timezone.localdate()
        day = today.replace(day=1) if today.day > 1 else today
        nonce = timezone.now().strftime("%H%M%S%f")
        lines = ["Date,Amount,Description"]
        for i in range(rows):
            stamp = (day + datetime.timedelta(days=i % max(today.day, 1))).isoformat()
            if i % 5 == 4:
                lines.append(f"{stamp},{10 + i % 500}.{i % 100:02},{NOISE} {nonce}-{i}")
            else:
                ref, total = refs[i % len(refs)]
                lines.append(f"{stamp},{total},{NOISE[:40]} {ref} {nonce}-{i}")
        return "\n".join(lines) + "\n"

    def _print(self, out: dict) -> None:
        w = self.stdout.write
        w(f"statement import on {out['vendor']}: {out['rows']:,} rows ({out['bytes'] / 1e6:.1f} MB), "
          f"{out['business']} with {out['invoices']:,} invoices; {out['matched']:,} rows matched")
        w(f"| step | seconds |\n|---|---|")
        w(f"| parse | {out['parse_s']:.1f} |")
        w(f"| match (references, duplicates, open invoices) | {out['match_s']:.1f} |")
        w(f"| confirm = parse + match + set-based save ({out['saved']:,} payments) | {out['import_s']:.1f} |")
        w(f"| of which the save | {out['save_s']:.1f} |")
        if "per_row_save_s" in out:
            w(f"| before: per-row save (payment_record), extrapolated from the sample | {out['per_row_save_s']:.1f} |")
        w(f"Python CPU of this process for parse + match + confirm: {out['cpu_s']:.1f} s; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        verdict = "met" if out["import_s"] < 30 else "NOT met"
        w(f"target: 100,000 rows with matching < 30 s: confirm took {out['import_s']:.1f} s ({verdict})")
