"""Response headers: Content-Security-Policy without inline script or style, Permissions-Policy, and
`Cache-Control: private, no-store` on everything a signed-in member is sent (pages, documents, PDFs,
exports). And no inline script or style left in the templates for the policy to break."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from orders.documents.services import invoice_issue
from procurement.middleware import SecurityHeadersMiddleware
from tests.support.isolation.documents import order_with_lines, ship

TEMPLATES = Path(settings.BASE_DIR) / "templates"

#: Template -> reason, for inline code that truly must stay. Empty: nothing needs it.
INLINE_ALLOWED: dict[str, str] = {
    "notifications/email/base.html": (
        "the HTML part of notification emails: mail clients drop <style> sheets and never load our static "
        "files, so emails style inline; no browser page renders it, so the CSP is not involved"
    ),
}


def _assert_csp(response, *, nonce: str | None = None):
    csp = response["Content-Security-Policy"]
    directives = dict(
        (part.split()[0], part.split()[1:]) for part in (p.strip() for p in csp.split(";")) if part
    )
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"] and directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    if nonce:
        assert f"'nonce-{nonce}'" in directives["style-src"]
    return directives


def _assert_private(response):
    assert response["Cache-Control"] == "private, no-store"
    assert "camera=()" in response["Permissions-Policy"] and "geolocation=()" in response["Permissions-Policy"]


@pytest.mark.django_db
def test_signed_in_page_has_every_header(client, admin_member):
    client.force_login(admin_member.user)
    response = client.get(reverse("procurement:account"))
    assert response.status_code == 200
    directives = _assert_csp(response)
    # No inline style on ordinary pages: a nonce appears only where a page asks for one (documents).
    assert directives["style-src"] == ["'self'"]
    _assert_private(response)


@pytest.mark.django_db
def test_anonymous_pages_have_the_policies_but_may_be_cached(client):
    response = client.get(reverse("procurement:home"))
    assert response.status_code == 200
    _assert_csp(response)
    assert "camera=()" in response["Permissions-Policy"]
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.fixture
def invoice(business, admin_member):
    order = order_with_lines(business=business)
    shipment = ship(order, {line: line.quantity for line in order.lines.all()}, tracking_number="1ZHEADERS0000001")
    return invoice_issue(shipment=shipment, acting_user=admin_member.user)


@pytest.mark.django_db
def test_document_page_styles_its_page_with_the_nonce_of_its_own_policy(client, admin_member, invoice):
    client.force_login(admin_member.user)
    response = client.get(reverse("orders:invoice_detail", kwargs={"invoice_number": invoice.number}))
    assert response.status_code == 200
    html = response.content.decode()
    nonce = re.search(r'<style nonce="([^"]+)">@page', html).group(1)
    _assert_csp(response, nonce=nonce)
    _assert_private(response)
    # Nothing else inline: every other <style> / <script> is a file, and no element has a style attribute
    # (not even the generated barcode SVG).
    assert html.count("<style") == 1
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\sstyle=", html)
    shipment = invoice.shipment
    label = client.get(reverse("orders:shipping_label", kwargs={"po_number": shipment.order.po_number, "shipment_id": shipment.pk}))
    assert label.status_code == 200 and 'class="barcode"' in label.content.decode()
    assert not re.search(r"\sstyle=", label.content.decode())
    _assert_private(label)


@pytest.mark.django_db
def test_pdf_is_not_cached(client, admin_member, invoice):
    client.force_login(admin_member.user)
    response = client.get(reverse("orders:invoice_pdf", kwargs={"invoice_number": invoice.number}))
    assert response.status_code == 200 and response["Content-Type"] in ("application/pdf", "text/html; charset=utf-8")
    _assert_private(response)


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_are_not_cached(client, admin_member, invoice, fmt):
    client.force_login(admin_member.user)
    response = client.get(reverse("orders:orders_report_export") + f"?format={fmt}")
    assert response.status_code == 200
    _assert_private(response)


def test_a_view_that_sets_its_own_cache_control_keeps_it():
    request = RequestFactory().get("/")
    request.user = type("SignedIn", (), {"is_authenticated": True})()
    response = SecurityHeadersMiddleware(lambda r: HttpResponse(headers={"Cache-Control": "max-age=0, no-cache"}))(request)
    assert response["Cache-Control"] == "max-age=0, no-cache"
    response = SecurityHeadersMiddleware(lambda r: HttpResponse())(request)
    assert response["Cache-Control"] == "private, no-store"


def _inline_code(text: str) -> list[str]:
    """Inline <script> (no src), <style> without the request's nonce, style="..." and on*="..." handlers."""
    found = []
    found += re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", text)
    found += re.findall(r"<style(?![^>]*\bnonce=\"\{\{ request\.csp_nonce \}\}\")[^>]*>", text)
    found += re.findall(r"\sstyle\s*=\s*[\"'][^\"']*", text)
    found += re.findall(r"\son[a-z]+\s*=\s*[\"'][^\"']*", text)
    found += re.findall(r"javascript:", text, flags=re.IGNORECASE)
    return found


def test_the_scan_catches_inline_code():
    assert _inline_code('<script>alert(1)</script><style>p{}</style><p style="x" onclick="y">') == [
        "<script>", "<style>", ' style="x', ' onclick="y',
    ]
    assert _inline_code('<script src="/a.js"></script><style nonce="{{ request.csp_nonce }}">') == []


def test_templates_have_no_inline_script_or_style():
    offenders = {}
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = str(path.relative_to(TEMPLATES))
        found = _inline_code(path.read_text())
        if found and name not in INLINE_ALLOWED:
            offenders[name] = found
    assert not offenders, f"inline script or style (move it to static/, see static/js/app.js): {offenders}"
