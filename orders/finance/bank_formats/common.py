"""What every bank format parser shares: the parsed entry, its checks, its fingerprint, its errors.

Each parser (camt, mt940, ofx) turns a file into `BankEntry` rows; `orders.finance.statements` turns
those into the same `StatementRow`s the CSV parser gives, so preview, fingerprints, matching and
import are one pipeline. Problems are collected per entry ("Line 41 (statement 2, entry 3): ...") and
raised together: one bad entry refuses the file and nothing is saved.
"""

from __future__ import annotations

import bisect
import datetime
import hashlib
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from procurement.errors import ApplicationError
from procurement.inputs import DATE_MAX, DATE_MIN
from procurement.money import MoneyError, money_parse

#: The formats `detect.statement_format` names; "csv" is the fallback.
FORMATS = {"csv": "CSV", "camt053": "CAMT.053 (ISO 20022)", "mt940": "MT940", "ofx": "OFX"}
ACCEPTED = "CSV, CAMT.053 (ISO 20022 XML), MT940 or OFX"


class StatementFormatError(ApplicationError):
    """The file is refused; `errors` lists each problem, by line and entry where there is one."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class BankEntry:
    """One entry of a bank statement, in the shape of a CSV row plus whether it is a payment at all.

    `booked` is False for entries listed in the preview but never saved as payments: debits
    (money out), reversals and entries the bank has not booked yet; `note` says which and why.
    """

    line: int
    received_on: datetime.date
    amount: Decimal  # positive; the direction is in `booked` / `note`
    reference: str
    fingerprint: str
    booked: bool = True
    note: str = ""


def where(line: int, statement: int, entry: int) -> str:
    return f"Line {line} (statement {statement}, entry {entry})"


def amount_check(raw, place: str, errors: list[str]) -> Decimal | None:
    """A positive amount that fits the money column, or None with a message added to `errors`.

    Accepts a decimal comma ("1234,56", as MT940 and many European exports write amounts).
    """
    text = str(raw if raw is not None else "").strip().replace("\u00a0", "").replace(" ", "")
    if not text:
        errors.append(f"{place}: no amount.")
        return None
    if re.fullmatch(r"[-+]?\d+,\d*", text):
        text = text.replace(",", ".")
    if text.endswith("."):
        text += "0"
    try:
        if not re.fullmatch(r"[-+]?\d+(\.\d+)?", text):
            raise InvalidOperation(text)
        value = money_parse(abs(Decimal(text)), round_places=True)
    except MoneyError as exc:
        errors.append(f"{place}: {exc}")
        return None
    except (InvalidOperation, ValueError):
        errors.append(f"{place}: “{str(raw)[:40]}” is not an amount.")
        return None
    if value <= 0:
        errors.append(f"{place}: the amount is zero.")
        return None
    return value


def date_check(value: datetime.date | None, raw, place: str, errors: list[str]) -> datetime.date | None:
    """`value` when within the dates the app stores (procurement.inputs), else a message in `errors`."""
    if value is None:
        errors.append(f"{place}: “{str(raw or '')[:40]}” is not a date.")
        return None
    if isinstance(value, datetime.datetime):
        value = value.date()
    if not DATE_MIN <= value <= DATE_MAX:
        errors.append(f"{place}: the date {value.isoformat()} is out of range ({DATE_MIN.isoformat()} to {DATE_MAX.isoformat()}).")
        return None
    return value


def iso_date(raw) -> datetime.date | None:
    """YYYY-MM-DD, or the date part of an ISO date-time (CAMT's DtTm), else None."""
    text = (raw or "").strip()
    try:
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        return None


def clean_text(*parts) -> str:
    """Free-text parts joined with " / ", whitespace collapsed, empty and repeated parts dropped."""
    out: list[str] = []
    for part in parts:
        text = " ".join(str(part or "").split())
        if text and text.upper() not in ("NOTPROVIDED", "NONREF", "NOT PROVIDED") and text not in out:
            out.append(text)
    return " / ".join(out)


class Fingerprints:
    """sha256 of (format, account, the bank's own id or the entry's identity, occurrence in the file).

    The occurrence keeps two identical entries of one file apart (two payments), while the same file
    imported again yields the same fingerprints (nothing added).
    """

    def __init__(self, fmt: str):
        self.fmt = fmt
        self.seen: dict[tuple, int] = {}

    def __call__(self, *parts) -> str:
        key = tuple(str(p) for p in parts)
        self.seen[key] = self.seen.get(key, 0) + 1
        return hashlib.sha256("|".join([self.fmt, *key, str(self.seen[key])]).encode()).hexdigest()


class Lines:
    """1-based line numbers of character offsets, by bisection (a 5 MB file with 20,000 entries stays linear)."""

    def __init__(self, text: str):
        self.starts = [m.end() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) + 1
