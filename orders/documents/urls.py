"""Business documents: invoices and credit notes (list, page, PDF, e-invoices), packing slips and shipping labels per shipment."""

from django.urls import path

from . import views

SHIPMENT = "account/orders/<str:po_number>/shipments/<int:shipment_id>/"

urlpatterns = [
    path("account/invoices/", views.InvoiceListView.as_view(), name="invoice_list"),
    path("account/invoices/month-zip/", views.InvoicesZipView.as_view(), name="invoices_zip"),
    path("account/invoices/<str:invoice_number>/", views.InvoiceDocumentView.as_view(), name="invoice_detail"),
    path("account/invoices/<str:invoice_number>/pdf/", views.InvoiceDocumentView.as_view(as_pdf=True), name="invoice_pdf"),
    path("account/credit-notes/<str:credit_note_number>/", views.CreditNoteDocumentView.as_view(), name="credit_note_detail"),
    path("account/credit-notes/<str:credit_note_number>/pdf/", views.CreditNoteDocumentView.as_view(as_pdf=True), name="credit_note_pdf"),
    path("account/credit-notes/<str:credit_note_number>/ubl/", views.CreditNoteEInvoiceView.as_view(syntax="ubl"), name="credit_note_ubl"),
    path("account/credit-notes/<str:credit_note_number>/factur-x/", views.CreditNoteEInvoiceView.as_view(syntax="facturx"), name="credit_note_facturx"),
    path("account/invoices/<str:invoice_number>/ubl/", views.InvoiceEInvoiceView.as_view(syntax="ubl"), name="invoice_ubl"),
    path("account/invoices/<str:invoice_number>/factur-x/", views.InvoiceEInvoiceView.as_view(syntax="facturx"), name="invoice_facturx"),
    path("account/business-settings/dock-qr/", views.DockKeyView.as_view(), name="dock_key"),
    path("account/orders/<str:po_number>/ubl/", views.OrderUblView.as_view(), name="order_ubl"),
    path(SHIPMENT + "packing-slip/", views.PackingSlipView.as_view(), name="packing_slip"),
    path(SHIPMENT + "packing-slip/pdf/", views.PackingSlipView.as_view(as_pdf=True), name="packing_slip_pdf"),
    path(SHIPMENT + "label/", views.ShippingLabelView.as_view(), name="shipping_label"),
    path(SHIPMENT + "label/pdf/", views.ShippingLabelView.as_view(as_pdf=True), name="shipping_label_pdf"),
]
