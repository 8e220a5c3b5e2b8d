"""Bank statement formats besides CSV: CAMT.053 (ISO 20022), MT940 and OFX.

`statement_format(text)` tells the format from the content; `entries_parse(fmt, text)` reads the
entries of a CAMT.053, MT940 or OFX file into `BankEntry` rows, which `orders.finance.statements`
previews, fingerprints, matches and imports exactly like CSV rows.
"""

from __future__ import annotations

from orders.finance.bank_formats.camt import camt_parse
from orders.finance.bank_formats.common import ACCEPTED, FORMATS, BankEntry, StatementFormatError
from orders.finance.bank_formats.detect import statement_format
from orders.finance.bank_formats.mt940 import mt940_parse
from orders.finance.bank_formats.ofx import ofx_parse

PARSERS = {"camt053": camt_parse, "mt940": mt940_parse, "ofx": ofx_parse}

__all__ = ["ACCEPTED", "FORMATS", "BankEntry", "StatementFormatError", "entries_parse", "statement_format"]


def entries_parse(fmt: str, text: str) -> list[BankEntry]:
    """The entries of a file in format `fmt` (not "csv"); StatementFormatError with every problem."""
    entries = PARSERS[fmt](text)
    if not entries:
        raise StatementFormatError([f"The {FORMATS[fmt]} file has no entries."])
    return entries
