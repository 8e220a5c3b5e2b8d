"""CAMT.053 (ISO 20022 BankToCustomerStatement, camt.053.001.02 to .08 and later) into bank entries.

Parsed with lxml, safely: no DTD, no entities resolved, no network, no huge trees. Element names are
read without their namespace, so every version of the message reads the same way (the few
differences, such as `<Sts>BOOK</Sts>` up to .05 and `<Sts><Cd>BOOK</Cd></Sts>` from .06, and
`Dbtr/Nm` up to .07 and `Dbtr/Pty/Nm` in .08, are handled where they occur).

Per entry (`Ntry`): credits (`CdtDbtInd` CRDT) that are booked (`Sts` BOOK) are payments; debits,
reversals (`RvslInd` true: the bank takes back an earlier credit, or returns a debit) and pending
entries are listed but not booked. The text matched against PO and invoice numbers is the debtor's
name, the unstructured remittance (`Ustrd`), the structured creditor reference (`CdtrRefInf/Ref`), the
referred document numbers (`RfrdDocInf/Nb`) and the `EndToEndId`. A batch entry whose transaction
details each carry an amount that add up to the entry is split into one payment per transaction.
"""

from __future__ import annotations

import re
from decimal import Decimal

from lxml import etree

from orders.finance.bank_formats.common import (
    BankEntry,
    Fingerprints,
    StatementFormatError,
    amount_check,
    clean_text,
    date_check,
    iso_date,
    where,
)

MAX_ENTRIES = 100_000


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False, dtd_validation=False,
        remove_comments=True, remove_pis=True,
    )


def _local(tree) -> None:
    """Drop namespaces: every camt.053.001.NN version is read with the same paths."""
    for el in tree.iter():
        if isinstance(el.tag, str):
            el.tag = etree.QName(el).localname


def _text(el, path: str) -> str:
    found = el.find(path) if el is not None else None
    return (found.text or "").strip() if found is not None and found.text else ""


def _texts(el, path: str) -> list[str]:
    return [(f.text or "").strip() for f in el.findall(path) if f.text and f.text.strip()]


def _date(el, path: str):
    """Dt or the date of DtTm under `path` (BookgDt, ValDt)."""
    node = el.find(path)
    if node is None:
        return None, ""
    raw = _text(node, "Dt") or _text(node, "DtTm")
    return iso_date(raw), raw


def document_parse(text: str):
    """The statement's root element with namespaces dropped, or StatementFormatError (nothing read)."""
    body = re.sub(r"^\s*(\ufeff)?\s*<\?xml[^>]*\?>", "", text, count=1)
    if re.search(r"<!(DOCTYPE|ENTITY)", body[:20000], re.I):
        raise StatementFormatError(["The XML declares a document type or entities; bank statements never do."])
    try:
        root = etree.fromstring(body.encode("utf-8"), _parser())  # hardened parser: no DTD, entities, network
    except etree.XMLSyntaxError as exc:
        line = getattr(exc, "lineno", None) or (exc.position[0] if getattr(exc, "position", None) else "?")
        raise StatementFormatError([f"Line {line}: the XML is malformed ({exc.msg}). The file may be cut off; download it again."])
    if root.getroottree().docinfo.doctype:
        raise StatementFormatError(["The XML declares a document type; bank statements never do."])
    _local(root)
    return root


def _party_name(tx) -> str:
    for path in ("RltdPties/Dbtr/Nm", "RltdPties/Dbtr/Pty/Nm", "RltdPties/UltmtDbtr/Nm", "RltdPties/UltmtDbtr/Pty/Nm"):
        name = _text(tx, path)
        if name:
            return name
    return ""


def _remittance(tx) -> list[str]:
    """Unstructured lines, structured creditor references and referred document numbers, in order."""
    out = list(_texts(tx, "RmtInf/Ustrd"))
    for strd in tx.findall("RmtInf/Strd"):
        out += _texts(strd, "CdtrRefInf/Ref") + _texts(strd, "RfrdDocInf/Nb") + _texts(strd, "AddtlRmtInf")
    return out


def _at(el, path: str, numbers: tuple[int, int]) -> str:
    """"Line N (statement s, entry e)" for the element at `path` (the entry's own line without it)."""
    found = el.find(path)
    return where((found.sourceline if found is not None else None) or el.sourceline or 0, *numbers)


def _tx_reference(tx) -> str:
    return clean_text(_party_name(tx), *_remittance(tx), _text(tx, "Refs/EndToEndId"))


def _tx_amount(tx) -> str | None:
    """The path of a transaction's own amount, if it has one."""
    for path in ("Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt"):
        node = tx.find(path)
        if node is not None and (node.text or "").strip():
            return path
    return None


def camt_parse(text: str) -> list[BankEntry]:
    """Every entry of every `Stmt` of the file; StatementFormatError listing each bad entry."""
    root = document_parse(text)
    container = root.find("BkToCstmrStmt") if root.tag != "BkToCstmrStmt" else root
    if container is None:
        raise StatementFormatError([f"This XML has no BkToCstmrStmt (camt.053 statement); its root is <{root.tag}>."])
    statements = container.findall("Stmt")
    if not statements:
        raise StatementFormatError(["The camt.053 file holds no statement (Stmt)."])
    errors: list[str] = []
    entries: list[BankEntry] = []
    fingerprint = Fingerprints("camt053")
    for s_no, stmt in enumerate(statements, start=1):
        account = _text(stmt, "Acct/Id/IBAN") or _text(stmt, "Acct/Id/Othr/Id") or _text(stmt, "Id")
        for e_no, ntry in enumerate(stmt.findall("Ntry"), start=1):
            if len(entries) >= MAX_ENTRIES:
                raise StatementFormatError([f"The file has more than {MAX_ENTRIES:,} entries; split it by month."])
            entries += _entry(ntry, (s_no, e_no), account, fingerprint, errors)
    if errors:
        raise StatementFormatError(errors)
    return entries


def _entry(ntry, numbers: tuple[int, int], account: str, fingerprint: Fingerprints, errors: list[str]) -> list[BankEntry]:
    line = ntry.sourceline or 0
    place = where(line, *numbers)
    direction = _text(ntry, "CdtDbtInd").upper()
    if direction not in ("CRDT", "DBIT"):
        errors.append(f"{place}: CdtDbtInd is “{direction[:10]}”, expected CRDT or DBIT.")
        return []
    n_errors = len(errors)
    amount = amount_check(_text(ntry, "Amt") or None, _at(ntry, "Amt", numbers), errors)
    booked_on, raw = _date(ntry, "BookgDt")
    date_path = "BookgDt"
    if booked_on is None:
        booked_on, raw = _date(ntry, "ValDt")
        date_path = "ValDt"
    booked_on = date_check(booked_on, raw or "(no BookgDt or ValDt)", _at(ntry, date_path, numbers), errors)
    if len(errors) > n_errors:
        return []
    status = (_text(ntry, "Sts/Cd") or _text(ntry, "Sts") or "BOOK").upper()
    reversal = _text(ntry, "RvslInd").lower() in ("true", "1")
    txs = ntry.findall("NtryDtls/TxDtls") + ntry.findall("NtryDtls/Btch/TxDtls")
    bank_ref = _text(ntry, "AcctSvcrRef") or _text(ntry, "NtryRef")
    extra = _text(ntry, "AddtlNtryInf")

    note = ""
    if reversal:
        note = ("Reversal: the bank took back an earlier credit; not booked (if that credit was imported, mark "
                "its payment as not ours)" if direction == "DBIT" else "Reversal of a debit (money returned); not a payment")
    elif direction == "DBIT":
        note = "Debit (money out): listed, not a payment"
    elif status != "BOOK":
        note = f"Status {status} (not booked by the bank yet): import the statement again once it is booked"
    booked = not note

    # A batch credit whose transactions each carry their own amount becomes one payment per transaction.
    split = []
    if booked and len(txs) > 1:
        paths = [_tx_amount(tx) for tx in txs]
        if all(paths):
            parts = [amount_check(_text(tx, path), _at(tx, path, numbers), errors) for tx, path in zip(txs, paths)]
            if all(parts) and sum(parts, Decimal(0)) == amount:
                split = list(zip(txs, parts))
    if split:
        return [
            BankEntry(
                line=tx.sourceline or line, received_on=booked_on, amount=part,
                reference=_tx_reference(tx) or extra,
                fingerprint=fingerprint(account, bank_ref or "", _text(tx, "Refs/AcctSvcrRef") or _text(tx, "Refs/EndToEndId"),
                                        booked_on, part),
            )
            for tx, part in split
        ]
    reference = clean_text(*[_tx_reference(tx) for tx in txs]) or extra
    return [BankEntry(
        line=line, received_on=booked_on, amount=amount, reference=reference,
        fingerprint=fingerprint(account, bank_ref or reference.upper(), direction, reversal, booked_on, amount),
        booked=booked, note=note,
    )]

