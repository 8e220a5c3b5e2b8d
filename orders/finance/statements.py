"""Bank statement import: parse, find PO and invoice numbers in free text, preview, then save.

CSV is parsed here; CAMT.053, MT940 and OFX by `orders.finance.bank_formats`, chosen from the file's
content (`statement_parse` is the one dispatch), into the same rows.

The same code runs twice: once for the preview (nothing saved) and once on confirm, inside one
transaction, from the same file text. Any malformed line rejects the whole file (reported by line
number) and nothing is saved. Every row carries a fingerprint (date, amount, reference and its
occurrence in the file), and a unique constraint on (business, fingerprint) makes re-importing the
same statement add nothing.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import ahocorasick
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from budgets.models import Budget
from orders.finance import bank_formats
from orders.models import Invoice, MonthClose, Order, Payment, PaymentAllocation, StatementImport
from procurement.bulk import bulk_insert, history_insert_from
from procurement.errors import ApplicationError
from procurement.history import model_update
from procurement.models import Business, Member
from procurement.money import MoneyError, money_parse
from procurement.webhooks import Event, WebhookEndpoint, webhook_emit

MAX_WINDOW = 6  # a reference number spans at most this many words ("BPO 2026 0001 3")
KEY_CHUNK = 900  # bind parameters per look-up query (SQLite's historic limit is 999)
#: Statements up to this many rows are previewed and imported inside the request (the benchmark:
#: about 1 s of server time for the preview of 5,000 rows of long free text); larger files belong
#: to a background job (orders.jobs, being built separately), which reads this constant.
SYNC_ROWS_MAX = 5_000
DATE_FORMATS = {
    "%Y-%m-%d": "2026-03-31 (ISO)",
    "%m/%d/%Y": "03/31/2026 (US)",
    "%d/%m/%Y": "31/03/2026 (UK/EU)",
    "%d.%m.%Y": "31.03.2026",
}
DEFAULT_MAPPING = {"date": "Date", "amount": "Amount", "reference": "Description", "date_format": "%Y-%m-%d"}


class StatementError(ApplicationError):
    """The file is rejected; `errors` lists each problem with its line number."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


# --- Reference parsing -----------------------------------------------------------------------------


def number_key(value: str) -> str:
    """A number as the bank may have mangled it: upper case, letters and digits only."""
    return re.sub(r"[^A-Z0-9]", "", value.upper())


def reference_windows(text: str) -> list[tuple[str, int, int]]:
    """Every run of up to MAX_WINDOW consecutive words, glued without separators, that holds a digit.

    "ach acme po 2026 000123" yields "PO2026000123" among others, so numbers survive lost dashes,
    spaces instead of dashes and lower case. Returns (key, first word, last word + 1).
    """
    words = re.findall(r"[A-Za-z0-9]+", text.upper())
    out = []
    for start in range(len(words)):
        key = ""
        for end in range(start, min(start + MAX_WINDOW, len(words))):
            key += words[end]
            if len(key) >= 3 and any(ch.isdigit() for ch in key):
                out.append((key, start, end + 1))
    return out


def _chunks(items, size: int = KEY_CHUNK):
    """Slices of at most `size` items: look-ups by many values stay under SQLite's variable limit."""
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _number_index(business: Business) -> ahocorasick.Automaton:
    """Every invoice, PO and blanket PO number of the business, read once, in a trie keyed by number_key.

    Each key maps to [(kind, pk), ...]. `match(prefix)` tells whether any number starts with a prefix,
    so scanning a row stops extending a window as soon as no number can follow: linear in the text.
    """
    index: dict[str, list[tuple[str, int]]] = {}
    sources = (
        ("invoices", Invoice.objects.filter(business=business), "number"),
        ("orders", Order.objects.filter(business=business), "po_number"),
        ("budgets", Budget.objects.filter(business=business), "po_number"),
    )
    for kind, queryset, field_name in sources:
        for pk, number in queryset.order_by().values_list("pk", field_name).iterator(chunk_size=5000):
            key = number_key(number or "")
            if len(key) >= 3 and any(ch.isdigit() for ch in key):
                index.setdefault(key, []).append((kind, pk))
    automaton = ahocorasick.Automaton()
    for key, entries in index.items():
        automaton.add_word(key, entries)
    return automaton


def _row_hits(automaton: ahocorasick.Automaton, text: str) -> list[tuple[int, int, str, int]]:
    """(first word, last word + 1, kind, pk) for every number of the index in the text's word windows."""
    words = re.findall(r"[A-Za-z0-9]+", text.upper())
    hits = []
    for start in range(len(words)):
        key = ""
        for end in range(start, min(start + MAX_WINDOW, len(words))):
            key += words[end]
            if not automaton.match(key):
                break  # no number starts like this: longer windows cannot match either
            entries = automaton.get(key, None)
            if entries:
                hits.extend((start, end + 1, kind, pk) for kind, pk in entries)
    return hits


def _longest_hits(hits):
    """Drop every hit that lies strictly inside a longer one (the blanket PO inside its release number).

    One sort and a sweep (O(h log h)), not a comparison of every pair: a row that repeats a number
    thousands of times stays cheap.
    """
    spans = sorted({(h[0], h[1]) for h in hits}, key=lambda sp: (sp[0], -sp[1]))
    inside = set()
    max_end = -1
    for span in spans:
        if max_end >= span[1]:
            inside.add(span)
        max_end = max(max_end, span[1])
    return [h for h in hits if (h[0], h[1]) not in inside]


@dataclass
class Reference:
    """The business's numbers found in one free-text reference."""

    invoices: list = field(default_factory=list)
    orders: list = field(default_factory=list)
    budgets: list = field(default_factory=list)

    @property
    def po_numbers(self) -> list[str]:
        return [o.po_number for o in self.orders]

    @property
    def invoice_numbers(self) -> list[str]:
        return [i.number for i in self.invoices]

    @property
    def blanket_po_numbers(self) -> list[str]:
        return [b.po_number for b in self.budgets]


def references_parse(*, business: Business, texts: list[str]) -> list[Reference]:
    """Find the business's invoice, PO and blanket PO numbers in each text.

    The numbers are read once into a trie (`_number_index`), each text is scanned once, and the
    objects named are fetched in batches: a fixed handful of queries per KEY_CHUNK numbers found,
    whatever the size of the file. Where one match lies inside a longer one (blanket PO
    "BPO-2026-0001" inside its release "BPO-2026-0001-3"), the longer wins.
    """
    if not any(any(ch.isdigit() for ch in (t or "")) for t in texts):
        return [Reference() for _ in texts]
    automaton = _number_index(business)
    if len(automaton) == 0:
        return [Reference() for _ in texts]
    per_text = [_longest_hits(_row_hits(automaton, t or "")) for t in texts]
    wanted: dict[str, set[int]] = {"invoices": set(), "orders": set(), "budgets": set()}
    for hits in per_text:
        for _, _, kind, pk in hits:
            wanted[kind].add(pk)
    objects: dict[str, dict[int, object]] = {}
    for kind, queryset in (
        ("invoices", Invoice.objects.filter(business=business).select_related("order")),
        ("orders", Order.objects.filter(business=business)),
        ("budgets", Budget.objects.filter(business=business)),
    ):
        objects[kind] = {}
        for chunk in _chunks(sorted(wanted[kind])):
            objects[kind].update((obj.pk, obj) for obj in queryset.filter(pk__in=chunk))
    out = []
    for hits in per_text:
        ref = Reference()
        for _, _, kind, pk in sorted(hits, key=lambda h: h[0]):
            obj = objects[kind].get(pk)
            bucket = getattr(ref, kind)
            if obj is not None and obj not in bucket:
                bucket.append(obj)
        out.append(ref)
    return out


# --- CSV parsing -----------------------------------------------------------------------------------


@dataclass
class StatementRow:
    line: int
    received_on: datetime.date
    amount: Decimal
    reference: str
    fingerprint: str = ""
    status: str = "unmatched"  # matched | ambiguous | unmatched | duplicate | not_booked
    targets: list = field(default_factory=list)  # invoices it will be applied to, in order
    candidates: list = field(default_factory=list)  # invoices it may pay (ambiguous)
    note: str = ""
    ref: Reference | None = None
    booked: bool = True  # False: a debit, reversal or pending entry, listed in the preview, never saved


def parse_amount(raw: str) -> Decimal:
    text = (raw or "").strip().replace("\u00a0", "").replace(" ", "")
    negative = text.startswith("(") and text.endswith(")")
    text = text.strip("()").lstrip("$€£").replace("USD", "").replace("EUR", "")
    if "," in text and "." in text:
        # The later separator is the decimal one: 1,234.56 or 1.234,56.
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif "," in text:
        text = text.replace(",", ".") if re.search(r",\d{2}$", text) else text.replace(",", "")
    if not re.fullmatch(r"[-+]?\d+(\.\d+)?", text):
        raise InvalidOperation(raw)
    value = Decimal(text)
    if negative:
        value = -value
    # Fits the money column (14 digits, 2 places) or MoneyError: 1000000000000000.00 is refused, not saved.
    return money_parse(abs(value), round_places=True)


def decode_upload(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StatementError([f"The file is not text (expected {bank_formats.ACCEPTED})."])


def statement_parse(*, business: Business, text: str, mapping: dict) -> list[StatementRow]:
    """Parse a statement into rows, in the format its content shows (CSV, CAMT.053, MT940, OFX).

    Any bad line or entry rejects the file with every error by line number; `mapping` is for CSV only.
    """
    try:
        fmt = bank_formats.statement_format(text)
        if fmt != "csv":
            rows = [
                StatementRow(line=e.line, received_on=e.received_on, amount=e.amount, reference=e.reference[:1000],
                             fingerprint=e.fingerprint, booked=e.booked, note=e.note,
                             status="unmatched" if e.booked else "not_booked")
                for e in bank_formats.entries_parse(fmt, text)
            ]
            _closed_months_check(business, rows, [])
            return rows
    except bank_formats.StatementFormatError as exc:
        raise StatementError(exc.errors) from None
    return _csv_parse(business=business, text=text, mapping=mapping)


def _closed_months_check(business: Business, rows: list[StatementRow], errors: list[str]) -> None:
    """StatementError with `errors` plus every row to be booked into a closed month."""
    closed = {
        (y, m) for y, m in MonthClose.objects.filter(business=business, closed=True).values_list("year", "month")
    }
    for row in rows:
        if row.booked and (row.received_on.year, row.received_on.month) in closed:
            errors.append(f"Line {row.line}: {row.received_on:%B %Y} is closed; reopen it to import into it.")
    if errors:
        raise StatementError(errors)


def _csv_parse(*, business: Business, text: str, mapping: dict) -> list[StatementRow]:
    """Parse a statement CSV into rows; any bad line rejects the file with every error by line number."""
    mapping = {**DEFAULT_MAPPING, **{k: v for k, v in (mapping or {}).items() if v}}
    if not text.strip():
        raise StatementError(["The file is empty."])
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    errors: list[str] = []
    try:
        header = next(reader)
    except csv.Error as exc:
        raise StatementError([f"Line 1: {exc}"])
    names = [h.strip().lower() for h in header]
    columns = {}
    for key in ("date", "amount", "reference"):
        wanted = str(mapping[key]).strip().lower()
        if wanted not in names:
            errors.append(
                f"Line 1: no column “{mapping[key]}” for the {key}. The file's columns are: "
                + ", ".join(h.strip() for h in header if h.strip())
            )
        else:
            columns[key] = names.index(wanted)
    if errors:
        raise StatementError(errors)
    date_format = mapping["date_format"] if mapping["date_format"] in DATE_FORMATS else "%Y-%m-%d"
    rows: list[StatementRow] = []
    seen: dict[tuple, int] = {}
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(f"Line {reader.line_num}: {exc}")
            break
        line = reader.line_num
        if not any(cell.strip() for cell in record):
            continue
        if len(record) < len(header):
            errors.append(f"Line {line}: {len(record)} fields, expected {len(header)}.")
            continue
        raw_date, raw_amount = record[columns["date"]].strip(), record[columns["amount"]]
        reference = " ".join(record[columns["reference"]].split())
        try:
            received_on = datetime.datetime.strptime(raw_date, date_format).date()
        except ValueError:
            errors.append(f"Line {line}: “{raw_date}” is not a date like {DATE_FORMATS[date_format]}.")
            continue
        try:
            amount = parse_amount(raw_amount)
        except MoneyError as exc:
            errors.append(f"Line {line}: {exc}")
            continue
        except (InvalidOperation, ValueError):
            errors.append(f"Line {line}: “{raw_amount.strip()[:40]}” is not an amount.")
            continue
        if amount <= 0:
            errors.append(f"Line {line}: the amount is zero.")
            continue
        identity = (received_on.isoformat(), str(amount), reference.upper())
        seen[identity] = seen.get(identity, 0) + 1
        fingerprint = hashlib.sha256("|".join([*identity, str(seen[identity])]).encode()).hexdigest()
        rows.append(StatementRow(line=line, received_on=received_on, amount=amount, reference=reference, fingerprint=fingerprint))
    if not rows and not errors:
        errors.append("The file has no payment rows under its header.")
    _closed_months_check(business, rows, errors)
    return rows


# --- Matching --------------------------------------------------------------------------------------


def _open_invoices_by_order(business, order_ids) -> dict[int, list[Invoice]]:
    out: dict[int, list[Invoice]] = {}
    for chunk in _chunks(sorted(order_ids)):
        qs = (
            Invoice.objects.filter(business=business, order_id__in=chunk, total__gt=F("amount_paid") + F("amount_credited"))
            .exclude(status=Invoice.Status.VOID)
            .select_related("order")
            .order_by("issued_on", "id")
        )
        for inv in qs:
            out.setdefault(inv.order_id, []).append(inv)
    return out


def statement_match(*, business: Business, rows: list[StatementRow]) -> list[StatementRow]:
    """Decide for each row: matched (and to which invoices), ambiguous (candidates), unmatched, duplicate.

    By number first: named invoices, then the named PO's open invoices (the one whose balance equals
    the amount first, otherwise oldest first). A blanket PO alone, or no number at all, only suggests
    invoices whose balance equals the amount: one such is a match for a blanket PO, otherwise ambiguous.
    """
    refs = references_parse(business=business, texts=[r.reference for r in rows])
    fingerprints = [r.fingerprint for r in rows if r.fingerprint]
    existing: set[str] = set()
    for chunk in _chunks(fingerprints):
        existing.update(
            Payment.objects.filter(business=business, fingerprint__in=chunk).values_list("fingerprint", flat=True)
        )
    order_ids = {o.pk for ref in refs for o in ref.orders}
    budget_ids = {b.pk for ref in refs for b in ref.budgets}
    budget_orders: dict[int, list[int]] = {}
    for chunk in _chunks(sorted(budget_ids)):
        for oid, bid in Order.objects.filter(business=business, budget_id__in=chunk).values_list("pk", "budget_id"):
            budget_orders.setdefault(bid, []).append(oid)
            order_ids.add(oid)
    open_by_order = _open_invoices_by_order(business, order_ids)
    unnumbered = {r.amount for r, ref in zip(rows, refs) if not (ref.invoices or ref.orders or ref.budgets)}
    by_amount: dict[Decimal, list[Invoice]] = {}
    for chunk in _chunks(sorted(unnumbered)):
        qs = (
            Invoice.objects.filter(business=business, total__gt=F("amount_paid") + F("amount_credited"))
            .exclude(status=Invoice.Status.VOID)
            .annotate(balance=F("total") - F("amount_credited") - F("amount_paid"))
            .filter(balance__in=chunk)
            .select_related("order")
            .order_by("issued_on", "id")
        )
        for inv in qs:
            by_amount.setdefault(inv.balance, []).append(inv)

    for row, ref in zip(rows, refs):
        row.ref = ref
        if row.fingerprint in existing:
            row.status, row.note = "duplicate", "Already imported"
            continue
        if ref.invoices:
            po_ids = {o.pk for o in ref.orders}
            strays = [inv for inv in ref.invoices if po_ids and inv.order_id not in po_ids]
            if strays:
                row.status = "ambiguous"
                row.candidates = ref.invoices + [i for oid in po_ids for i in open_by_order.get(oid, [])]
                row.note = f"Invoice {strays[0].number} is not on PO {', '.join(ref.po_numbers)}"
                continue
            row.status = "matched"
            row.targets = list(ref.invoices) + [
                i for oid in po_ids for i in open_by_order.get(oid, []) if i not in ref.invoices
            ]
            if all(inv.total - inv.amount_credited <= inv.amount_paid for inv in ref.invoices) and len(row.targets) == len(ref.invoices):
                row.note = "Invoice already paid: the amount stays a credit"
            continue
        if ref.orders:
            opens = [i for o in ref.orders for i in open_by_order.get(o.pk, [])]
            if opens:
                exact = [i for i in opens if i.balance_due == row.amount]
                row.status = "matched"
                row.targets = exact[:1] + [i for i in opens if i not in exact[:1]]
            else:
                row.note = f"PO {', '.join(ref.po_numbers)} has no invoice with a balance due"
            continue
        if ref.budgets:
            opens = [i for b in ref.budgets for oid in budget_orders.get(b.pk, []) for i in open_by_order.get(oid, [])]
            exact = [i for i in opens if i.balance_due == row.amount]
            if len(exact) == 1:
                row.status, row.targets = "matched", exact
                row.note = f"Blanket PO {exact[0].order.blanket_po_number}: the one invoice of this amount"
            elif opens:
                row.status, row.candidates = "ambiguous", exact or opens
                row.note = f"Blanket PO {', '.join(ref.blanket_po_numbers)}: several releases could be paid"
            else:
                row.note = f"Blanket PO {', '.join(ref.blanket_po_numbers)} has no invoice with a balance due"
            continue
        candidates = by_amount.get(row.amount, [])
        if candidates:
            row.status, row.candidates = "ambiguous", candidates[:10]
            row.note = "No PO or invoice number; these invoices have this balance"
        else:
            row.note = "No PO or invoice number found"
    return rows


def payment_suggestions(*, business: Business, payments) -> dict[int, list[Invoice]]:
    """For unmatched payments: the invoices their reference and amount point to (same rules as the import)."""
    payments = list(payments)
    if not payments:
        return {}
    rows = [StatementRow(line=0, received_on=p.received_on, amount=p.unapplied, reference=" ".join([p.reference, p.po_number, p.invoice_number]),
                         fingerprint=None) for p in payments]
    statement_match(business=business, rows=rows)
    return {p.pk: (r.targets or r.candidates) for p, r in zip(payments, rows)}


def statement_preview(*, business: Business, text: str, mapping: dict) -> list[StatementRow]:
    """Every row of the file, the ones to be booked matched; debits and reversals stay `not_booked`."""
    rows = statement_parse(business=business, text=text, mapping=mapping)
    statement_match(business=business, rows=[r for r in rows if r.booked])
    return rows


@dataclass
class ImportResult:
    statement_import: StatementImport | None
    matched: int = 0
    to_resolve: int = 0
    duplicates: int = 0
    not_booked: int = 0  # debits, reversals, pending entries: listed, never saved
    months: list = field(default_factory=list)


#: Rows written per INSERT (payments, allocations, their history) and invoices per UPDATE.
WRITE_BATCH = 2_000


def _months_lock(*, business: Business, rows: list[StatementRow]) -> None:
    """Lock the business's closed months (finance lock order: MonthClose first) and refuse rows in them.

    A Close month running at the same moment waits for this import, or this import sees it closed.
    """
    closed = {
        (y, m)
        for y, m in MonthClose.objects.select_for_update().filter(business=business, closed=True).values_list("year", "month")
    }
    errors = [
        f"Line {row.line}: {row.received_on:%B %Y} is closed; reopen it to import into it."
        for row in rows if (row.received_on.year, row.received_on.month) in closed
    ]
    if errors:
        raise StatementError(errors[:50] + ([f"… and {len(errors) - 50} more lines."] if len(errors) > 50 else []))


@transaction.atomic
def statement_rows_save(
    *, business: Business, rows: list[StatementRow], statement_import: StatementImport, acting_user, progress=None
) -> tuple[int, int]:
    """Save matched rows as payments, set-based: the same outcome as `payment_record` row by row.

    The target invoices are locked once (id order, after the month rows), each row is applied in file
    order to the invoices' running balances in memory (named invoice first, the one whose balance
    equals the amount first, the rest stays a credit), then payments, allocations and their history
    go in with `bulk_create` in batches and the invoices with one `bulk_update` per batch: a fixed
    number of queries per WRITE_BATCH rows, whatever the file's size. Returns (matched, to resolve).
    """
    report = progress or (lambda done, total=None: None)
    total_steps = len(rows) * 2
    _months_lock(business=business, rows=rows)
    wanted = sorted({inv.pk for row in rows if row.status == "matched" for inv in row.targets})
    invoices: dict[int, Invoice] = {}
    for chunk in _chunks(wanted):
        invoices.update(
            (inv.pk, inv)
            for inv in Invoice.objects.select_for_update(of=("self",)).select_related("order")
            .filter(business=business, pk__in=chunk).order_by("id")
        )
    payments: list[Payment] = []
    planned: list[tuple[int, Invoice, Decimal]] = []
    paid_in_full: list[tuple[Invoice, int]] = []
    changed: dict[int, Invoice] = {}
    matched = 0
    for index, row in enumerate(rows):
        ref = row.ref or Reference()
        payment = Payment(
            business=business, received_on=row.received_on, amount=row.amount, method="Bank",
            reference=row.reference[:255],
            po_number=(ref.po_numbers[0] if ref.po_numbers else (row.targets[0].order.po_number if row.targets else "")).strip()[:64],
            invoice_number=(ref.invoice_numbers[0] if ref.invoice_numbers else "").strip()[:64],
            statement_import=statement_import, fingerprint=row.fingerprint, created_by=acting_user,
        )
        if row.status == "matched":
            matched += 1
            ordered = [invoices[pk] for pk in dict.fromkeys(inv.pk for inv in row.targets) if pk in invoices]
            remaining = row.amount
            exact = [inv for inv in ordered if inv.balance_due == remaining]
            if exact:
                ordered = [exact[0]] + [inv for inv in ordered if inv.pk != exact[0].pk]
            applied = Decimal("0.00")
            for invoice in ordered:
                if remaining <= 0:
                    break
                if invoice.status == Invoice.Status.VOID:
                    continue
                take = min(remaining, invoice.balance_due)
                if take <= 0:
                    continue
                planned.append((index, invoice, take))
                if invoice.amount_paid + take >= invoice.total:
                    paid_in_full.append((invoice, index))
                invoice.amount_paid += take
                invoice.status = (
                    Invoice.Status.PAID if invoice.total <= invoice.amount_paid + invoice.amount_credited
                    else Invoice.Status.PARTLY_PAID
                )
                changed[invoice.pk] = invoice
                remaining -= take
                applied += take
            if applied or ordered:
                payment.amount_applied, payment.status = applied, Payment.Status.MATCHED
        payments.append(payment)
    try:
        with transaction.atomic():
            for start in range(0, len(payments), WRITE_BATCH):
                bulk_insert(Payment, payments[start : start + WRITE_BATCH])
                report(start + min(WRITE_BATCH, len(payments) - start), total_steps)
    except IntegrityError:
        raise StatementError(["These rows were imported at the same moment by someone else; nothing was saved."])
    allocations = [
        PaymentAllocation(business=business, payment=payments[index], invoice=invoice, amount=take, created_by=acting_user)
        for index, invoice, take in planned
    ]
    for start in range(0, len(allocations), WRITE_BATCH):
        bulk_insert(PaymentAllocation, allocations[start : start + WRITE_BATCH])
    # History: one "+" row per payment and allocation, with the acting user (as history_save would write).
    history_insert_from(Payment, Payment.objects.filter(statement_import=statement_import), acting_user=acting_user)
    history_insert_from(PaymentAllocation, PaymentAllocation.objects.filter(payment__statement_import=statement_import),
                        acting_user=acting_user)
    updates = list(changed.values())
    for start in range(0, len(updates), WRITE_BATCH):
        _invoices_paid_update(updates[start : start + WRITE_BATCH])
        report(len(rows) + int(len(rows) * min(1, (start + WRITE_BATCH) / len(updates))), total_steps)
    if paid_in_full and any(
        Event.INVOICE_PAID in e.events for e in WebhookEndpoint.objects.filter(business=business, is_active=True)
    ):
        for invoice, index in paid_in_full:
            payment = payments[index]
            webhook_emit(business=business.pk, event=Event.INVOICE_PAID, payload={
                "number": invoice.number, "po_number": invoice.order.po_number, "total": str(invoice.total),
                "currency": invoice.currency, "payment_id": payment.pk, "received_on": payment.received_on.isoformat(),
            })
    report(total_steps, total_steps)
    return matched, len(rows) - matched


def _invoices_paid_update(invoices: list[Invoice]) -> None:
    """Write the invoices' new amount_paid and status: one UPDATE ... FROM (VALUES ...) on PostgreSQL."""
    if connection.vendor != "postgresql":
        Invoice.objects.bulk_update(invoices, ["amount_paid", "status"], batch_size=500)
        return
    values = ", ".join(["(%s::bigint, %s::numeric, %s::varchar)"] * len(invoices))
    params = [v for inv in invoices for v in (inv.pk, inv.amount_paid, inv.status)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE orders_invoice AS i SET amount_paid = v.paid, status = v.status FROM (VALUES {values}) "  # nosec B608  # placeholders only
            "AS v(id, paid, status) WHERE i.id = v.id",
            params,
        )


@transaction.atomic
def statement_import(
    *, business: Business, text: str, mapping: dict, filename: str, member: Member, acting_user, progress=None
) -> ImportResult:
    """Save a previewed statement: one payment per new row, matched ones applied to their invoices.

    All or nothing: a rejected file, or a concurrent import of the same rows, saves nothing. The
    column mapping is remembered for the business's next upload. `progress(done, total)` hears how
    far the save got (the background job's progress bar).
    """
    rows = statement_preview(business=business, text=text, mapping=mapping)
    if progress is not None:
        progress(0, 2 * len(rows))  # parsed and matched: also the job's heartbeat before the save
    result = ImportResult(statement_import=None)
    new_rows = [r for r in rows if r.booked and r.status != "duplicate"]
    result.duplicates = sum(1 for r in rows if r.status == "duplicate")
    result.not_booked = sum(1 for r in rows if not r.booked)
    model_update(
        instance=business, acting_user=acting_user, update_fields=True,
        fields={"statement_csv_mapping": {**DEFAULT_MAPPING, **{k: v for k, v in mapping.items() if k in DEFAULT_MAPPING and v}}},
    )
    if not new_rows:
        return result
    result.statement_import = StatementImport.objects.create(
        business=business, filename=filename[:255], rows=len(new_rows), imported_by=member
    )
    result.matched, result.to_resolve = statement_rows_save(
        business=business, rows=new_rows, statement_import=result.statement_import, acting_user=acting_user,
        progress=progress,
    )
    result.months = sorted({(r.received_on.year, r.received_on.month) for r in new_rows})
    return result
