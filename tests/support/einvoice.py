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


def fatal_rules(xml: bytes, *, syntax: str) -> set[str]:
    """The ids of the fatal rules `xml` breaks."""
    return {rule for rule, _ in fatal(xml, syntax=syntax)}


def xpath(xml: bytes, path: str, namespaces: dict):
    return etree.fromstring(xml).xpath(path, namespaces=namespaces)


def facturx_embedded_xml(pdf: bytes) -> bytes:
    """The CII XML inside a Factur-X PDF, after checking what makes it one: a PDF/A-3 (its XMP
    identification), the attachment named factur-x.xml, valid against the Factur-X XSD, EN 16931 level,
    and zero fatal EN 16931 errors."""
    from facturx import get_flavor, get_level, get_xml_from_pdf

    assert pdf.startswith(b"%PDF")
    assert b"<pdfaid:part>3</pdfaid:part>" in pdf  # PDF/A-3 identification in the (uncompressed) XMP metadata
    assert b"urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#" in pdf
    filename, xml = get_xml_from_pdf(pdf, check_xsd=True)
    assert filename == "factur-x.xml"
    tree = etree.fromstring(xml)
    assert get_flavor(tree) == "factur-x" and get_level(tree) == "en16931"
    assert fatal(xml, syntax="CII") == []
    return xml
