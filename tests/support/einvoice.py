"""Run the CEN EN 16931 validation artefacts (schematron compiled to XSLT) with SaxonC-HE.

The XSLT files are the official ones (tests/standards/en16931/, EUPL 1.2, see SOURCE.txt there). The
result is an SVRL report; every `svrl:failed-assert` with flag="fatal" is a broken business rule.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from lxml import etree

STANDARDS = Path(__file__).resolve().parent.parent / "standards" / "en16931"
SVRL = "http://purl.oclc.org/dsdl/svrl"


@cache
def _processor():
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


@cache
def _executable(syntax: str):
    xslt = _processor().new_xslt30_processor()
    return xslt.compile_stylesheet(stylesheet_file=str(STANDARDS / f"EN16931-{syntax}-validation.xslt"))


def en16931_failures(xml: bytes, *, syntax: str) -> list[tuple[str, str, str]]:
    """(rule id, flag, message) for every failed assert; syntax is "UBL" or "CII"."""
    node = _processor().parse_xml(xml_text=xml.decode("utf-8"))
    report = _executable(syntax).transform_to_string(xdm_node=node)
    tree = etree.fromstring(report.encode("utf-8"))
    return [
        (fa.get("id") or "", fa.get("flag") or "", " ".join("".join(fa.itertext()).split()))
        for fa in tree.iter(f"{{{SVRL}}}failed-assert")
    ]


def fatal(xml: bytes, *, syntax: str) -> list[tuple[str, str]]:
    return [(rule, text) for rule, flag, text in en16931_failures(xml, syntax=syntax) if flag == "fatal"]
