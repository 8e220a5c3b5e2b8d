"""MT940 (SWIFT customer statement) into bank entries, with the `mt940` package (PyPI: mt-940).

The file may hold several statements (each from its `:20:` to its closing balance), with or without
SWIFT envelopes (`{1:...}{2:...}{4:` ... `-}`) or `-` separator lines; each is parsed on its own.
Every `:61:` line is checked first, so errors are reported by line; amounts use the decimal comma.

`:61:` marks: C (credit) is a payment; D (debit) is listed, not a payment; RC (reversal of a credit:
the bank takes an earlier credit back) and RD (reversal of a debit: money returned) are listed and
never booked. The text matched against PO and invoice numbers comes from `:86:`:
- the German structured layout (`?00` posting text, `?20`-`?29` purpose with the SEPA keys `EREF+`,
  `KREF+`, `SVWZ+`, `?32`/`?33` the payer's name), read by the package;
- the slash-keyed layout of Dutch and SWIFT-style banks (`/EREF/.../REMI/USTD//...`, `/NAME/`, `/PREF/`);
- anything else as free text (lines joined).
plus the customer reference of `:61:` (unless NONREF).
"""

from __future__ import annotations

import re

import mt940 as mt940_lib

from orders.finance.bank_formats.common import (
    BankEntry,
    Fingerprints,
    StatementFormatError,
    amount_check,
    clean_text,
    date_check,
    Lines,
    where,
)

_TAG = re.compile(r"(?m)^:(?P<tag>\d{2}[A-Z]?|NS):")
_STATEMENT_LINE = mt940_lib.tags.Statement().re
_SLASH_KEYS = (
    "EREF|MARF|CSID|CNTP|REMI|PURP|ULTC|ULTD|ULTB|BENM|ORDP|NAME|ID|ADDR|USTD|STRD|CUR|ISSR|RTRN|ATOS|IREF|TRCD|"
    "PREF|BUSP|SVCL|ACCW|BI1|BI2|RREF|OREF|TRTP|CDTRREF|CDTRREFTP|CODE|ISDT|CNTR"
)
_SLASH = re.compile(rf"(?<=/)({_SLASH_KEYS})/")  # the slash before a key may close the previous value


def _unwrap(text: str) -> str:
    """The text with SWIFT envelopes and separator lines blanked, keeping every line where it was."""
    lines = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        stripped = line.strip()
        if stripped.startswith("{") and "{4:" in stripped:
            stripped = stripped[stripped.index("{4:") + 3 :].strip()
        elif stripped.startswith("{5:") or stripped in ("-", "-}", "}", "-}{5:}"):
            stripped = ""
        elif stripped.startswith("{1:") or stripped.startswith("{2:") or stripped.startswith("{3:"):
            stripped = ""
        lines.append(stripped)
    return "\n".join(lines).lstrip("\ufeff")


def _slash_fields(details: str) -> dict[str, list[str]]:
    """/KEY/value fields of a slash-keyed :86: (ING, Rabobank, ABN AMRO, SWIFT structured)."""
    parts = _SLASH.split(details)
    fields: dict[str, list[str]] = {}
    for key, value in zip(parts[1::2], parts[2::2]):
        value = value.strip("/ ")
        if key == "CNTP":  # /CNTP/account/BIC/name/city/
            key, value = "NAME", (value.split("/") + ["", "", ""])[2]
        if value:
            fields.setdefault(key, []).append(value)
    return fields


def _details_reference(data: dict) -> str:
    """The remittance text of one transaction's :86:, in any of the layouts above."""
    customer = (data.get("customer_reference") or "").strip()
    if re.fullmatch(_SLASH_KEYS, customer.upper()):
        customer = ""  # Rabobank writes "EREF" here: the reference is in :86:
    raw = data.get("transaction_details")
    if raw is None:  # German structured :86:, split by the package
        return clean_text(data.get("applicant_name"), data.get("purpose"), data.get("additional_purpose"),
                          data.get("end_to_end_reference"), customer)
    flat = " ".join(raw.split("\n"))
    if _SLASH.search(flat):
        fields = _slash_fields(raw.replace("\n", ""))
        remi = " ".join(v for k in ("USTD", "REMI", "STRD", "CDTRREF") for v in fields.get(k, []))
        return clean_text(" ".join(fields.get("NAME", [])), remi, *fields.get("EREF", []), *fields.get("PREF", []), customer)
    return clean_text(flat, customer)


def _blocks(text: str):
    """(start offset, block text) per statement: each `:20:` starts one."""
    starts = [m.start() for m in re.finditer(r"(?m)^:20:", text)]
    for i, start in enumerate(starts):
        yield start, text[start : starts[i + 1] if i + 1 < len(starts) else len(text)]


def mt940_parse(text: str) -> list[BankEntry]:
    """Every :61: entry of every statement; StatementFormatError listing each bad line."""
    text = _unwrap(text)
    line_of = Lines(text)
    blocks = list(_blocks(text))
    if not blocks:
        raise StatementFormatError(["The MT940 file has no statement: no line starts with :20:."])
    errors: list[str] = []
    entries: list[BankEntry] = []
    fingerprint = Fingerprints("mt940")
    for s_no, (offset, block) in enumerate(blocks, start=1):
        tags = [(m.group("tag"), offset + m.start()) for m in _TAG.finditer(block)]
        if not any(tag in ("60F", "60M") for tag, _ in tags):
            errors.append(f"Line {line_of(offset)} (statement {s_no}): no opening balance (:60F:); the statement is incomplete.")
        checked = _check_lines(line_of, block, offset, s_no, errors)
        if errors:
            continue
        try:
            parsed = mt940_lib.models.Transactions(options=mt940_lib.Options.all())
            parsed.parse(block)
        except Exception as exc:  # the package raises RuntimeError/ValueError/InvalidOperation on bad tags
            errors.append(f"Line {line_of(offset)} (statement {s_no}): the statement cannot be read ({str(exc)[:120]}).")
            continue
        if len(parsed.transactions) != len(checked):
            errors.append(f"Line {line_of(offset)} (statement {s_no}): {len(checked)} :61: lines but "
                          f"{len(parsed.transactions)} transactions read; each :61: needs its transaction type (e.g. NTRF).")
            continue
        account = str(parsed.data.get("account_identification") or "")
        for (line, e_no, mark, amount, bank_ref), tx in zip(checked, parsed.transactions):
            place = where(line, s_no, e_no)
            data = tx.data
            received_on = date_check(data.get("entry_date") or data.get("date"), "", place, errors)
            if received_on is None:
                continue
            reference = _details_reference(data)
            note = {
                "D": "Debit (money out): listed, not a payment",
                "RC": "Reversal (RC): the bank took back an earlier credit; not booked (if that credit was imported, "
                      "mark its payment as not ours)",
                "RD": "Reversal of a debit (RD, money returned); not a payment",
            }.get(mark, "")
            entries.append(BankEntry(
                line=line, received_on=received_on, amount=amount, reference=reference,
                fingerprint=fingerprint(account, mark, received_on, amount, bank_ref or reference.upper()),
                booked=not note, note=note,
            ))
    if errors:
        raise StatementFormatError(errors)
    return entries


def _check_lines(line_of: Lines, block: str, offset: int, s_no: int, errors: list[str]) -> list[tuple]:
    """(line, entry no., mark, amount, bank reference) per :61:, or messages for the lines that are wrong."""
    out = []
    matches = list(_TAG.finditer(block))
    e_no = 0
    for i, m in enumerate(matches):
        if m.group("tag") != "61":
            continue
        e_no += 1
        line = line_of(offset + m.start())
        place = where(line, s_no, e_no)
        end = matches[i + 1].start() if i + 1 < len(matches) else len(block)
        value = "\n".join(x for x in block[m.end() : end].strip().split("\n") if x.strip())
        found = _STATEMENT_LINE.match(value)
        if not found or not found.group("id"):  # no type code: the amount ran into something else
            errors.append(f"{place}: “{value.splitlines()[0][:40] if value else ''}” is not an MT940 statement line "
                          "(date, C/D mark, amount, type).")
            continue
        month, day = int(found.group("month")), int(found.group("day"))
        if not (1 <= month <= 12 and 1 <= day <= 31):
            errors.append(f"{place}: “{value[:6]}” is not a date (YYMMDD).")
            continue
        mark = found.group("status").upper()
        amount = amount_check(found.group("amount"), place, errors)
        if amount is None:
            continue
        bank_ref = (found.group("bank_reference") or "").strip()
        out.append((line, e_no, mark, amount, "" if bank_ref.upper() in ("", "NONREF") else bank_ref))
    return out
