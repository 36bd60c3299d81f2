"""A quotation (pro-forma) as the buyer's finance team reads it, on the page, in the e-mail and as a PDF.

`quotation()` gathers what a quotation says from the stored record (its amounts were priced by `pricing` when it
was asked for), the event, and the organiser's details; every amount is formatted here, once. `pdf()` draws it as
a tagged A4 PDF with Noto Sans embedded (adapters/documents/pdf.py: our layout and tagging, a font subset ahead of
time, and pydyf for the file format, so the Lambda bundle carries no large PDF library), imported only when a PDF is
asked for.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from booking.record import BookingRecord
from pricing import format_pence
from pricing.organiser import Organiser

UK = ZoneInfo("Europe/London")
NOT_A_VAT_INVOICE = "This is not a VAT invoice"


@dataclass(frozen=True)
class Line:
    """One line of a quotation: `quantity` places at one price, each net + VAT = gross."""

    description: str
    quantity: int
    unit_net: str
    net: str
    vat: str
    gross: str


@dataclass(frozen=True)
class Quotation:
    """Everything a quotation shows, formatted."""

    number: str
    date: str
    valid_until: str
    ref: str
    buyer_organisation: str
    buyer_name: str
    buyer_email: str
    event_title: str
    event_when: str
    category: str
    lines: tuple[Line, ...]
    net: str
    vat: str
    gross: str
    vat_rate: str
    supplier: str
    supplier_address: tuple[str, ...]
    vat_number: str
    bank_account_name: str
    sort_code: str
    account_number: str
    po_to: str  # where to send the purchase order

    @property
    def title(self) -> str:
        return f"Quotation {self.number}: {self.event_title}"

    @property
    def how_to_order(self) -> tuple[str, ...]:
        return (
            f"Raise a purchase order for {self.gross} (including VAT) quoting quotation {self.number}.",
            "Then open the link in our e-mail before the quotation expires and add the PO number, or press "
            '"Book with the PO to follow" to hold the places now and add the PO later.',
            f"Or e-mail the purchase order to {self.po_to}, quoting {self.number}.",
            "We then send a VAT invoice quoting your PO, payable by bank transfer or card.",
        )


def _day(stamp: str) -> str:
    moment = datetime.fromisoformat(stamp).astimezone(UK)
    return f"{moment.day} {moment:%B %Y}"


def _day_and_time(stamp: str) -> str:
    moment = datetime.fromisoformat(stamp).astimezone(UK)
    return f"{moment:%H:%M} on {moment.day} {moment:%B %Y}"


def quotation(
    record: BookingRecord,
    *,
    event_title: str,
    event_when: str,
    category_label: str,
    vat_percent: str,
    organiser: Organiser,
    po_to: str,
) -> Quotation:
    """A stored quotation's document. Lines group the places by price (the first delegate's, each additional
    one's), in the order the record holds them; totals are the record's sums."""
    counts = Counter((a.net_pence, a.vat_pence) for a in record.amounts)
    lines = []
    for position, ((net, vat), quantity) in enumerate(sorted(counts.items(), key=lambda item: -item[0][0])):
        if len(counts) == 1:
            what = "delegate place"
        else:
            what = "first delegate" if position == 0 else "each additional delegate"
        lines.append(
            Line(
                description=f"{event_title}: {category_label}, {what}",
                quantity=quantity,
                unit_net=format_pence(net),
                net=format_pence(net * quantity),
                vat=format_pence(vat * quantity),
                gross=format_pence((net + vat) * quantity),
            )
        )
    bank = organiser.bank
    return Quotation(
        number=record.quote_number,
        date=_day(record.quoted_at),
        valid_until=_day_and_time(record.quote_expires),
        ref=record.ref,
        buyer_organisation=record.contact.organisation,
        buyer_name=record.contact.name,
        buyer_email=record.contact.email,
        event_title=event_title,
        event_when=event_when,
        category=category_label,
        lines=tuple(lines),
        net=format_pence(record.net_pence),
        vat=format_pence(record.vat_pence),
        gross=format_pence(record.gross_pence),
        vat_rate=f"{vat_percent}%",
        supplier=organiser.name,
        supplier_address=organiser.address_lines,
        vat_number=organiser.vat_number,
        bank_account_name=bank.account_name if bank else "",
        sort_code=bank.sort_code if bank else "",
        account_number=bank.account_number if bank else "",
        po_to=po_to,
    )


def pdf(document: Quotation) -> bytes:
    """The quotation as a tagged A4 PDF (headings, paragraphs and a table in its structure tree), its font embedded."""
    from adapters.documents.pdf import Document

    accent = (0.0, 0.33, 0.58)
    out = Document(
        title=document.title,
        author=document.supplier,
        subject=f"{NOT_A_VAT_INVOICE}. Quotation {document.number} for {document.buyer_organisation}",
    )
    out.text("P", document.supplier, 12, accent)
    for line in document.supplier_address:
        out.text("P", line, 9)
    if document.vat_number:
        out.text("P", f"VAT number: {document.vat_number}", 9)
    out.gap(12)
    out.text("H1", f"Quotation {document.number}", 20)
    out.text("P", NOT_A_VAT_INVOICE, 13, accent)
    out.gap(4)
    out.text("P", f"Date: {document.date}")
    out.text("P", f"Valid until: {document.valid_until} (UK time)")
    out.text("P", f"Booking reference: {document.ref}")
    out.gap(8)
    out.text("H2", "For", 12)
    out.text("P", document.buyer_organisation)
    out.text("P", f"{document.buyer_name} <{document.buyer_email}>")
    out.gap(8)
    out.text("H2", "Event", 12)
    out.text("P", f"{document.event_title}{f', {document.event_when}' if document.event_when else ''}")
    out.gap(8)
    rows = [("Description", "Qty", "Unit (net)", "Net", f"VAT {document.vat_rate}", "Total")]
    rows += [(ln.description, str(ln.quantity), ln.unit_net, ln.net, ln.vat, ln.gross) for ln in document.lines]
    rows.append(("Total", "", "", document.net, document.vat, document.gross))
    out.table(rows, (0.40, 0.08, 0.13, 0.13, 0.13, 0.13))
    out.gap(10)
    out.text("H2", "How to order", 12)
    for step in document.how_to_order:
        out.text("P", step)
    out.gap(8)
    out.text("H2", "Payment by bank transfer (BACS)", 12)
    if document.sort_code:
        out.text("P", f"Account name: {document.bank_account_name}")
        out.text("P", f"Sort code: {document.sort_code}")
        out.text("P", f"Account number: {document.account_number}")
        out.text("P", f"Reference: {document.ref}")
    else:
        out.text("P", f"Ask {document.po_to} for our bank details.")
    out.gap(8)
    out.text("P", f"{NOT_A_VAT_INVOICE}. The VAT invoice follows the purchase order.", 9)
    return out.output()
