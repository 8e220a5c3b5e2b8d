"""OFX bank and credit-card statements (OFX 1.x SGML and 2.x XML) into bank entries, with `ofxtools`.

ofxtools validates the header (`OFXHEADER:100` ... or `<?OFX OFXHEADER="200" ...?>`) and builds the
element tree from the body; it is a tag tokenizer, not an XML parser, so no entity or DTD is ever
expanded. The fields are then read per transaction, so a bad one is reported by its line.

Every `STMTRS` (bank) and `CCSTMTRS` (card) of the file is read: several accounts in one download are
one import. `TRNAMT` > 0 is a payment; < 0 is a debit, listed but not a payment; a correction
(`CORRECTACTION` with `CORRECTFITID`) is listed and never booked. The text matched against PO and
invoice numbers is `NAME` (or `PAYEE/NAME`) and `MEMO`; the fingerprint is the bank's `FITID`.
"""

from __future__ import annotations

import datetime
import html
import re

from ofxtools.header import OFXHeaderError, OFXHeaderV1, OFXHeaderV2
from ofxtools.Parser import ParseError, TreeBuilder

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


def _body(text: str) -> str:
    """The OFX body after a valid header; StatementFormatError when the header is malformed."""
    text = text.lstrip("\ufeff \t\r\n")
    try:
        if text.startswith("<?xml") or re.match(r"<\?OFX\s", text):
            _, end = OFXHeaderV2.parse(text)
            return text[end:]
        if text.startswith("OFXHEADER"):
            _, end = OFXHeaderV1.parse(text)
            return text[end:].strip()
    except (OFXHeaderError, ValueError) as exc:
        raise StatementFormatError([f"Line 1: the OFX header is malformed ({str(exc).splitlines()[0][:120]})."])
    return text


def _tree(text: str):
    builder = TreeBuilder()
    body = _body(text)
    if not body.rstrip().endswith("</OFX>"):
        raise StatementFormatError(["The OFX is malformed (it does not end with </OFX>); the file may be cut off. Download it again."])
    try:
        builder.feed(body)
        root = builder.close()
    except (ParseError, SyntaxError, AssertionError, IndexError, ValueError) as exc:  # ElementTree's ParseError too
        detail = str(exc).split(" in ")[0][:120] or "missing end tags"
        raise StatementFormatError([f"The OFX is malformed ({detail}); the file may be cut off. Download it again."])
    if root is None or root.tag != "OFX":
        raise StatementFormatError(["The OFX file has no <OFX> element."])
    return root


def _text(el, path: str) -> str:
    found = el.find(path)
    return html.unescape((found.text or "").strip()) if found is not None and found.text else ""


def _date(raw: str) -> datetime.date | None:
    """The date part of an OFX date-time (YYYYMMDD[HHMMSS[.XXX]][[offset:TZ]]), as the bank wrote it."""
    found = re.match(r"(\d{4})(\d{2})(\d{2})", raw or "")
    if not found:
        return None
    try:
        return datetime.date(*(int(g) for g in found.groups()))
    except ValueError:
        return None


def ofx_parse(text: str) -> list[BankEntry]:
    """Every STMTTRN of every bank or card statement; StatementFormatError listing each bad one."""
    root = _tree(text)
    statements = [el for el in root.iter() if el.tag in ("STMTRS", "CCSTMTRS")]
    if not statements:
        raise StatementFormatError(["The OFX file holds no bank or credit card statement (STMTRS)."])
    offsets = [m.start() for m in re.finditer(r"<STMTTRN>", text)] + [len(text)]
    line_of = Lines(text)
    errors: list[str] = []
    entries: list[BankEntry] = []
    fingerprint = Fingerprints("ofx")
    n = 0
    for s_no, stmt in enumerate(statements, start=1):
        account = _text(stmt, "BANKACCTFROM/ACCTID") or _text(stmt, "CCACCTFROM/ACCTID")
        for e_no, trn in enumerate(stmt.iter("STMTTRN"), start=1):
            span = (offsets[n], offsets[n + 1]) if n + 1 < len(offsets) else (0, 0)
            n += 1
            line = line_of(span[0]) if span[1] else 0
            place = where(line, s_no, e_no)

            def at(tag: str) -> str:
                found = text.find(f"<{tag}>", *span)
                return where(line_of(found) if found >= 0 else line, s_no, e_no)

            before = len(errors)
            raw_amount = _text(trn, "TRNAMT")
            amount = amount_check(raw_amount, at("TRNAMT"), errors)
            raw_date = _text(trn, "DTPOSTED")
            received_on = date_check(_date(raw_date), raw_date or "(no DTPOSTED)", at("DTPOSTED"), errors)
            fitid = _text(trn, "FITID")
            if not fitid:
                errors.append(f"{place}: the transaction has no FITID.")
            if len(errors) > before:
                continue
            name = _text(trn, "NAME") or _text(trn, "PAYEE/NAME")
            reference = clean_text(name, _text(trn, "MEMO"), _text(trn, "EXTDNAME"))
            correction = _text(trn, "CORRECTACTION")
            note = ""
            if correction:
                note = (f"Correction ({correction}) of transaction {_text(trn, 'CORRECTFITID') or '?'}: not booked; "
                        "if that payment was imported, resolve it on the Payments page")
            elif raw_amount.strip().startswith("-"):
                note = "Debit (money out): listed, not a payment"
            entries.append(BankEntry(
                line=line, received_on=received_on, amount=amount, reference=reference,
                fingerprint=fingerprint(account, fitid), booked=not note, note=note,
            ))
    if errors:
        raise StatementFormatError(errors)
    return entries
