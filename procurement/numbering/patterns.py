"""Number patterns: parsing, validation, rendering and token sanitising (pure functions, no writes).

A pattern is literal letters, digits, ``-``, ``_`` and ``.`` plus tokens:

    {seq} / {seq:06}   the business's gap-free sequence (optionally zero-padded to a width)
    {year} {month}     the order date (4 digits, 2 digits)
    {cost_center}      the group's cost center
    {location}         the group's location
    {group}            the group's name
    {category}         the category code of the order's largest line

Token values that come from names people type (cost center, location, group, category) are sanitised
so that every PO number stays safe in URLs, file names and barcodes: uppercased, spaces become ``-``,
every other character outside letters, digits, ``-``, ``_`` and ``.`` is dropped (runs of ``-`` collapse),
and the value is cut to 20 characters. A pattern must contain ``{seq}`` so that two orders can never render alike.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from procurement.models import Business, Group
from procurement.numbering.safe_regex import regex_compile, regex_fullmatch

TOKENS = ("seq", "year", "month", "cost_center", "category", "location", "group")
MAX_LENGTH = 64
TOKEN_MAX = 20
_TOKEN_RE = re.compile(r"\{([^{}]*)\}")
_SEQ_SPEC_RE = re.compile(r"^0?([1-9]|1[0-9]|20)$")
_LITERAL_RE = re.compile(r"^[A-Za-z0-9._-]*$")
_SAFE_RE = re.compile(r"[^A-Z0-9._-]")
PO_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
INVOICE_NUMBER_PATTERN = "INV-{year}-{seq:06}"
#: Blanket PO numbers of a recurring budget: one per period, e.g. BPO-ENG-2026-Q3. ``{code}`` is the
#: group's cost center, or its name when it has none; ``{period}`` the period label (2026-07, 2026-Q3, 2026).
BLANKET_PO_PATTERN = "BPO-{code}-{period}"  # the default of Business.blanket_po_pattern
BLANKET_TOKENS = ("period", "code", "year", "cost_center", "location", "group")


@dataclass(frozen=True)
class Part:
    """A literal run of text (token is None) or a token, with the seq width (0 = no padding)."""

    text: str = ""
    token: str | None = None
    width: int = 0


def pattern_parse(pattern: str, *, tokens: tuple[str, ...] = TOKENS, needs: str = "seq") -> list[Part]:
    """Split a pattern into literal parts and tokens; ValidationError with a clear message if it is bad."""
    pattern = (pattern or "").strip()
    if not pattern:
        raise ValidationError("Enter a pattern, e.g. PO-{year}-{seq:06}.")
    parts: list[Part] = []
    pos = 0
    for match in _TOKEN_RE.finditer(pattern):
        literal = pattern[pos:match.start()]
        if literal:
            parts.append(_literal(literal))
        name, _, spec = match.group(1).partition(":")
        if name not in tokens:
            raise ValidationError(
                f"Unknown token {{{match.group(1)}}}. Use {', '.join('{' + t + '}' for t in tokens)}."
            )
        width = 0
        if spec or ":" in match.group(1):
            if name != "seq":
                raise ValidationError(f"Only {{seq}} takes a width (e.g. {{seq:06}}), not {{{match.group(1)}}}.")
            spec_match = _SEQ_SPEC_RE.match(spec)
            if not spec_match:
                raise ValidationError(f"{{{match.group(1)}}}: the width must be a number from 1 to 20, e.g. {{seq:06}}.")
            width = int(spec_match.group(1))
        parts.append(Part(token=name, width=width))
        pos = match.end()
    if pos < len(pattern):
        parts.append(_literal(pattern[pos:]))
    if needs != "seq":
        if not any(p.token == needs for p in parts):
            raise ValidationError(f"The pattern must contain {{{needs}}}, so that no two periods share a number.")
        return parts
    if not any(p.token == "seq" for p in parts):  # nosec B105  # a pattern token name, not a password
        raise ValidationError("The pattern must contain {seq} (the running number), so that no two orders share a number.")
    return parts


def _literal(text: str) -> Part:
    if "{" in text or "}" in text:
        raise ValidationError("A brace { or } without its token: write tokens like {year}.")
    if not _LITERAL_RE.match(text):
        bad = "".join(sorted({c for c in text if not re.match(r"[A-Za-z0-9._-]", c)}))
        raise ValidationError(
            f"PO numbers may only contain letters, digits, '-', '_' and '.'; the pattern has {bad!r}."
        )
    return Part(text=text)


def pattern_validate(pattern: str) -> str:
    """The cleaned pattern, or ValidationError. Also checks that the longest rendering fits."""
    pattern = (pattern or "").strip()
    parts = pattern_parse(pattern)
    longest = sum(
        len(p.text) if p.token is None else {"seq": max(p.width, 10), "year": 4, "month": 2}.get(p.token, TOKEN_MAX)
        for p in parts
    )
    if longest > MAX_LENGTH:
        raise ValidationError(f"Numbers from this pattern can reach {longest} characters; the limit is {MAX_LENGTH}.")
    return pattern


def token_sanitize(value: str) -> str:
    """Uppercase, spaces to '-', drop everything outside letters, digits, '-', '_' and '.', cut to 20.

    Runs of '-' left by dropped characters collapse to one ("Finance & Ops" -> "FINANCE-OPS").
    """
    value = re.sub(r"\s+", "-", (value or "").strip().upper())
    value = re.sub(r"-{2,}", "-", _SAFE_RE.sub("", value)).strip("-")
    return value[:TOKEN_MAX].rstrip("-")


def pattern_render(
    pattern: str, *, seq: int, group: Group | None = None, category_code: str = "", on: datetime.date | None = None
) -> str:
    on = on or timezone.localdate()
    values = {
        "year": f"{on.year:04}",
        "month": f"{on.month:02}",
        "cost_center": token_sanitize(group.cost_center) if group else "",
        "location": token_sanitize(group.location) if group else "",
        "group": token_sanitize(group.name) if group else "",
        "category": token_sanitize(category_code),
    }
    out = []
    for part in pattern_parse(pattern):
        if part.token is None:
            out.append(part.text)
        elif part.token == "seq":  # nosec B105  # a pattern token name, not a password
            out.append(f"{seq:0{part.width}d}" if part.width else str(seq))
        else:
            out.append(values[part.token])
    return "".join(out)


def blanket_pattern_validate(pattern: str) -> str:
    """A blanket PO pattern (tokens {period} (required), {code}, {year}, {cost_center}, {location}, {group})."""
    pattern = (pattern or "").strip()
    if not pattern:
        raise ValidationError("Enter a pattern, e.g. BPO-{code}-{period}.")
    parts = pattern_parse(pattern, tokens=BLANKET_TOKENS, needs="period")
    longest = sum(len(p.text) if p.token is None else {"period": 7, "year": 4}.get(p.token, TOKEN_MAX) for p in parts)
    if longest > MAX_LENGTH:
        raise ValidationError(f"Numbers from this pattern can reach {longest} characters; the limit is {MAX_LENGTH}.")
    return pattern


def blanket_po_render(
    pattern: str = BLANKET_PO_PATTERN, *, period: str, group: Group | None = None, on: datetime.date | None = None
) -> str:
    """A recurring Blanket PO's number for one period: the pattern with ``{period}`` (e.g. 2026-Q3) filled in."""
    on = on or timezone.localdate()
    code = token_sanitize(group.cost_center or group.name) if group else ""
    values = {
        "period": token_sanitize(period),
        "code": code,
        "year": f"{on.year:04}",
        "cost_center": token_sanitize(group.cost_center) if group else "",
        "location": token_sanitize(group.location) if group else "",
        "group": token_sanitize(group.name) if group else "",
    }
    out = []
    for part in pattern_parse(pattern, tokens=BLANKET_TOKENS, needs="period"):
        out.append(part.text if part.token is None else values[part.token])
    return re.sub(r"-{2,}", "-", "".join(out))[:MAX_LENGTH]


def regex_validate(regex: str) -> str:
    regex = (regex or "").strip()
    if regex:
        regex_compile(regex)  # RE2: linear-time matching; refuses backreferences and look-arounds
    return regex


def typed_po_validate(*, business: Business, po_number: str) -> str:
    """A buyer-typed PO number: safe characters, at most 64, and matching the business's regex."""
    po_number = (po_number or "").strip()
    if len(po_number) > MAX_LENGTH:
        raise ValidationError(f"A PO number has at most {MAX_LENGTH} characters.")
    if not PO_NUMBER_RE.match(po_number):
        raise ValidationError("A PO number may only contain letters, digits, '-', '_' and '.', starting with a letter or digit.")
    if business.po_regex and not regex_fullmatch(business.po_regex, po_number):
        raise ValidationError(f"This PO number does not follow your company's format ({business.po_regex}).")
    return po_number


def effective_pattern(*, business: Business, group: Group | None) -> str:
    return (group.po_pattern if group is not None and group.po_pattern else "") or business.po_pattern


def blanket_release_prefix(blanket_po: str) -> str:
    """The blanket PO number made safe for a URL (characters outside the PO set dropped)."""
    return re.sub(r"[^A-Za-z0-9._-]", "", blanket_po.replace(" ", "-")) or "BPO"




def release_number_render(*, blanket_po: str, n: int) -> str:
    """The n-th release of a Blanket PO: ``<blanket PO>-<n>``."""
    return f"{blanket_release_prefix(blanket_po)}-{n}"


def invoice_number_format(*, seq: int, issued_on: datetime.date) -> str:
    return INVOICE_NUMBER_PATTERN.format(year=issued_on.year, seq=seq)


CREDIT_NOTE_NUMBER_PATTERN = "CN-{year}-{seq:06}"


def credit_note_number_format(*, seq: int, issued_on: datetime.date) -> str:
    return CREDIT_NOTE_NUMBER_PATTERN.format(year=issued_on.year, seq=seq)
