"""Cells for CSV and XLSX exports, safe from spreadsheet formula injection.

A member can type `=HYPERLINK(...)` into a bank reference, a product name or a tracking number; in an
export it would become a live formula on finance's machine. The OWASP CSV-injection rule: a text cell
that starts with = + - @, a tab or a carriage return is prefixed with a single quote, so spreadsheets
show it as text. Numbers, dates and Decimals stay as they are (they are data, and stay numbers).
"""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell_safe(value):
    """`value` for an export cell: text that a spreadsheet would run as a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def row_safe(row: Iterable) -> list:
    return [cell_safe(value) for value in row]
