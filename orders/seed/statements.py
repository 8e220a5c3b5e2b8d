"""Demo bank statements: one CAMT.053, one MT940 and one OFX file imported for the demo business.

Each pays one open invoice (CAMT by invoice number in the remittance, MT940 and OFX by PO number) and
lists a debit, so Payments shows bank-imported payments in every format and the import's
"listed, not a payment" rows. The files are written the way banks write them and go through the same
`statement_import` as an upload. Idempotent: a business that has the demo imports gets nothing more.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from orders.finance.statements import StatementError, statement_import
from orders.models import Invoice, StatementImport
from procurement.models import Business, Member

DEMO_FILES = ("demo-camt053.xml", "demo-mt940.sta", "demo-ofx.qfx")


def demo_camt053(invoice: Invoice, day: datetime.date) -> str:
    amount = invoice.balance_due
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
 <BkToCstmrStmt>
  <GrpHdr><MsgId>DEMO-{day:%Y%m%d}</MsgId><CreDtTm>{day:%Y-%m-%d}T06:00:00</CreDtTm></GrpHdr>
  <Stmt>
   <Id>DEMO-{day:%Y%m%d}-1</Id>
   <Acct><Id><IBAN>DE02120300000000202051</IBAN></Id><Ccy>EUR</Ccy></Acct>
   <Ntry>
    <Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
    <BookgDt><Dt>{day:%Y-%m-%d}</Dt></BookgDt><ValDt><Dt>{day:%Y-%m-%d}</Dt></ValDt>
    <AcctSvcrRef>DEMO-CAMT-{invoice.number}</AcctSvcrRef>
    <NtryDtls><TxDtls>
     <Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
     <RltdPties><Dbtr><Pty><Nm>Acme Corporation</Nm></Pty></Dbtr></RltdPties>
     <RmtInf><Ustrd>Invoice {invoice.number}</Ustrd></RmtInf>
    </TxDtls></NtryDtls>
   </Ntry>
   <Ntry>
    <Amt Ccy="EUR">12.90</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
    <BookgDt><Dt>{day:%Y-%m-%d}</Dt></BookgDt>
    <AcctSvcrRef>DEMO-CAMT-FEE-{day:%Y%m%d}</AcctSvcrRef>
    <AddtlNtryInf>Account fee</AddtlNtryInf>
   </Ntry>
  </Stmt>
 </BkToCstmrStmt>
</Document>
"""


def demo_mt940(invoice: Invoice, day: datetime.date) -> str:
    amount = str(invoice.balance_due).replace(".", ",")
    return "\r\n".join([
        ":20:STARTUMS", ":25:50070010/0123456700", ":28C:00001/001", f":60F:C{day:%y%m%d}EUR1000,00",
        f":61:{day:%y%m%d}{day:%m%d}CR{amount}NMSCNONREF",
        f":86:166?00SEPA-GUTSCHRIFT?20EREF+NOTPROVIDED?21SVWZ+{invoice.order.po_number}?32Acme Corporation",
        f":61:{day:%y%m%d}{day:%m%d}DR49,99NDDTNONREF",
        ":86:105?00SEPA-BASIS-LASTSCHRIFT?20SVWZ+Telefon?32Telco AG",
        f":62F:C{day:%y%m%d}EUR1000,00", "-", "",
    ])


def demo_ofx(invoice: Invoice, day: datetime.date) -> str:
    return "\r\n".join([
        "OFXHEADER:100", "DATA:OFXSGML", "VERSION:102", "SECURITY:NONE", "ENCODING:USASCII", "CHARSET:1252",
        "COMPRESSION:NONE", "OLDFILEUID:NONE", "NEWFILEUID:NONE", "",
        "<OFX><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>USD",
        "<BANKACCTFROM><BANKID>021000021<ACCTID>000000123456789<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST>",
        f"<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>{day:%Y%m%d}120000<TRNAMT>{invoice.balance_due}<FITID>DEMO{invoice.pk}",
        f"<NAME>ACME CORP ACH PMT<MEMO>ACH PAYMENT {invoice.order.po_number}</STMTTRN>",
        f"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>{day:%Y%m%d}120000<TRNAMT>-25.00<FITID>DEMOFEE{day:%Y%m%d}",
        "<NAME>MONTHLY SERVICE FEE</STMTTRN>",
        "</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>", "",
    ])


def seed_bank_statements(*, business: Business, stdout=None) -> int:
    """Import the three demo statements for the next open invoices; the number of payments saved."""
    if StatementImport.objects.filter(business=business, filename__in=DEMO_FILES).exists():
        return 0
    member = Member.objects.filter(business=business, is_business_admin=True).order_by("pk").first()
    invoices = [
        inv for inv in Invoice.objects.filter(business=business, status=Invoice.Status.OPEN, amount_paid=0)
        .select_related("order").order_by("-issued_on", "-id")[:3]
        if inv.balance_due > 0
    ]
    if member is None or len(invoices) < 3:
        return 0
    saved = 0
    for filename, build, invoice in zip(DEMO_FILES, (demo_camt053, demo_mt940, demo_ofx), invoices):
        day = min(invoice.issued_on + datetime.timedelta(days=7), timezone.localdate())
        try:
            result = statement_import(business=business, text=build(invoice, day), mapping={}, filename=filename,
                                      member=member, acting_user=member.user)
        except StatementError:  # e.g. the month is closed: the demo goes without this file
            continue
        saved += result.matched + result.to_resolve
    if stdout is not None:
        stdout.write(f"Bank statements: {saved} payments imported from CAMT.053, MT940 and OFX demo files")
    return saved
