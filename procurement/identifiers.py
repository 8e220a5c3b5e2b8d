"""Company identifiers for e-invoices, checked with python-stdnum where it knows the scheme.

A VAT or tax id is checked by the country's own `vat` module when stdnum has one (the country from the
id's two-letter prefix, else the company's country); an electronic address by its Peppol EAS scheme
when the scheme names a number stdnum can check. Anything else is kept as typed (trimmed, upper-cased
where the scheme is case-free), since refusing an id we cannot check would block real customers.
"""

from __future__ import annotations

import re

import pycountry
from django.core.exceptions import ValidationError
from stdnum import ean
from stdnum.util import get_cc_module

#: Peppol Electronic Address Scheme codes whose numbers stdnum can check.
EAS_CHECKS = {
    "0088": ean,  # GLN (Global Location Number)
    "0060": None,  # DUNS: no checksum
    "0192": get_cc_module("no", "orgnr"),  # Norwegian organisation number
    "0208": get_cc_module("be", "vat"),  # Belgian enterprise number
    "9930": get_cc_module("de", "vat"),  # German VAT number
}
EAS_RE = re.compile(r"^\d{4}$")


def _country_code(country: str) -> str:
    try:
        return pycountry.countries.lookup((country or "").strip()).alpha_2.lower()
    except LookupError:
        return ""


def vat_id_clean(value: str, *, country: str) -> str:
    """The VAT id as stored: compact, upper-case, with its country prefix when stdnum knows the country."""
    value = (value or "").strip().upper().replace(" ", "").replace(".", "").replace("-", "")
    if not value:
        return ""
    prefix = value[:2] if value[:2].isalpha() else ""
    cc = (prefix or _country_code(country).upper()).lower()
    module = get_cc_module("gr" if cc == "el" else cc, "vat") if cc else None
    if module is None:
        return value
    if not module.is_valid(value):
        raise ValidationError({"vat_id": f"“{value}” is not a valid VAT number for {cc.upper()}."})
    return cc.upper() + module.compact(value) if not module.compact(value)[:2].isalpha() else module.compact(value)


def endpoint_clean(*, scheme: str, endpoint_id: str) -> tuple[str, str]:
    scheme, endpoint_id = (scheme or "").strip(), (endpoint_id or "").strip()
    if not endpoint_id and not scheme:
        return "", ""
    if not endpoint_id:
        raise ValidationError({"endpoint_id": "Enter the electronic address for this scheme, or clear the scheme."})
    if not EAS_RE.match(scheme):
        raise ValidationError({"endpoint_scheme": "Enter the four-digit Peppol scheme code, e.g. 0088 for a GLN."})
    module = EAS_CHECKS.get(scheme)
    if module is not None and not module.is_valid(endpoint_id):
        raise ValidationError({"endpoint_id": f"“{endpoint_id}” is not a valid number for scheme {scheme}."})
    return scheme, endpoint_id
