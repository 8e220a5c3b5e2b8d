"""Which format a statement file is in, read from its content (never its name).

CAMT.053 is XML whose root holds `BkToCstmrStmt` (any camt.053.001.NN namespace); OFX 1.x starts with
an `OFXHEADER:` block, OFX 2.x with `<?OFX ...?>` or an `<OFX>` root; MT940 has `:20:` and a `:60F:`/
`:60M:`/`:61:` tag at line starts (optionally inside a SWIFT `{1:...}{4:` envelope). Anything else that
is text is read as CSV, whose parser says what is missing; files that are clearly something else
(PDF, ZIP, spreadsheets, other XML) are refused here with a message naming what was found.
"""

from __future__ import annotations

import re

from orders.finance.bank_formats.common import ACCEPTED, StatementFormatError

HEAD = 8192
_XML_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)[\s>/]")
_CAMT_NS = re.compile(r"urn:iso:std:iso:20022:tech:xsd:(camt\.\d{3}\.\d{3}\.\d{2})")
_MT940_TAGS = re.compile(r"(?m)^:20:.*$")
_MT940_BODY = re.compile(r"(?m)^:(?:60F|60M|61|25):")
_SIGNATURES = (
    ("%PDF", "a PDF document"),
    ("PK\x03\x04", "a ZIP archive (or an XLSX workbook)"),
    ("\xd0\xcf\x11\xe0", "an old Excel/Word file"),
    ("{\\rtf", "an RTF document"),
)


def _refuse(what: str) -> StatementFormatError:
    return StatementFormatError([f"This file is {what}, not a bank statement. Upload {ACCEPTED}."])


def _strip_comments(head: str) -> str:
    head = re.sub(r"<\?xml[^>]*\?>", "", head, count=1)
    return re.sub(r"<!--.*?-->", "", head, flags=re.S).lstrip()


def statement_format(text: str) -> str:
    """"camt053", "mt940", "ofx" or "csv"; StatementFormatError for a file that is none of them."""
    head = text[:HEAD].lstrip("\ufeff \t\r\n")
    if not head:
        return "csv"  # the CSV parser says "The file is empty."
    for signature, what in _SIGNATURES:
        if head.startswith(signature):
            raise _refuse(what)
    if "\x00" in head:
        raise _refuse("binary (it holds NUL bytes)")
    if re.match(r"OFXHEADER\s*:", head):
        return "ofx"
    if head.startswith("<"):
        if re.search(r"<\?OFX\s", head[:1000]):
            return "ofx"
        body = _strip_comments(head)
        if re.match(r"<!DOCTYPE", body, re.I):
            raise StatementFormatError([f"The XML declares a document type (DOCTYPE); bank statements never do. Upload {ACCEPTED}."])
        root = _XML_ROOT.match(body)
        if root and root.group(1).upper() == "OFX":
            return "ofx"
        if "BkToCstmrStmt" in head:
            return "camt053"
        found = _CAMT_NS.search(head)
        if found:
            kind = found.group(1)
            raise StatementFormatError([
                f"This is an ISO 20022 {kind} message, not a camt.053 account statement. Ask your bank for the "
                f"end-of-day statement (camt.053) or upload {ACCEPTED}."
            ])
        if root:
            raise _refuse(f"XML with the root element <{root.group(1)}>")
        raise _refuse("markup that is not XML")
    if head.startswith("{1:") or head.startswith("{4:") or (_MT940_TAGS.search(head) and _MT940_BODY.search(head)):
        return "mt940"
    if re.match(r":\d{2}[A-Z]?:", head):
        return "mt940"  # SWIFT tags but no statement line: the MT940 parser says what is missing
    return "csv"
