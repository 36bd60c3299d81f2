"""A quotation (pro-forma) as the buyer's finance team reads it, on the page, in the e-mail and as a PDF.

`quotation()` gathers what a quotation says from the stored record (its amounts were priced by `pricing` when it
was asked for), the event, and the organiser's details; every amount is formatted here, once. `pdf()` draws it as
a tagged A4 PDF with Noto Sans embedded and subset (fpdf2, as the back office's certificates are made); fpdf2 is
imported only when a PDF is asked for, so a booking's cold start never loads it.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from booking.record import BookingRecord
from pricing import format_pence
from pricing.organiser import Organiser

if TYPE_CHECKING:
    from fpdf import FPDF

UK = ZoneInfo("Europe/London")
NOT_A_VAT_INVOICE = "This is not a VAT invoice"
_INK = (33, 37, 41)
_ACCENT = (0, 84, 147)


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


def _font_file() -> str:
    import fontpkg

    return str(fontpkg.path("Noto Sans"))


def pdf(document: Quotation) -> bytes:
    """The quotation as a tagged A4 PDF (structure tree with headings, paragraphs and a table), Noto Sans embedded."""
    from fpdf import FPDF
    from fpdf.prefs import ViewerPreferences

    pdf = FPDF(unit="mm", format="A4")
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(True, 16)
    pdf.add_font("NotoSans", "", _font_file())
    pdf.set_title(document.title)
    pdf.set_subject(f"{NOT_A_VAT_INVOICE}. Quotation {document.number} for {document.buyer_organisation}")
    pdf.set_author(document.supplier)
    pdf.set_creator(document.supplier)
    pdf.set_lang("en-GB")
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def text(tag: str, words: str, size: float = 10, colour: tuple[int, int, int] = _INK, gap: float = 1) -> None:
        pdf.set_font("NotoSans", "", size)
        pdf.set_text_color(*colour)
        with _tagged(pdf, tag, words):
            pdf.multi_cell(width, size * 0.45, words, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    text("P", document.supplier, 12, _ACCENT)
    for line in document.supplier_address:
        text("P", line, 9, gap=0)
    if document.vat_number:
        text("P", f"VAT number: {document.vat_number}", 9)
    pdf.ln(4)
    text("H1", f"Quotation {document.number}", 20, gap=2)
    text("P", NOT_A_VAT_INVOICE, 13, _ACCENT, gap=3)
    text("P", f"Date: {document.date}", gap=0)
    text("P", f"Valid until: {document.valid_until} (UK time)", gap=0)
    text("P", f"Booking reference: {document.ref}", gap=3)
    text("H2", "For", 12)
    text("P", document.buyer_organisation, gap=0)
    text("P", f"{document.buyer_name} <{document.buyer_email}>", gap=3)
    text("H2", "Event", 12)
    text("P", f"{document.event_title}{f', {document.event_when}' if document.event_when else ''}", gap=3)
    _table(pdf, document, width)
    pdf.ln(4)
    text("H2", "How to order", 12)
    for step in document.how_to_order:
        text("P", step, gap=0.5)
    pdf.ln(2)
    text("H2", "Payment by bank transfer (BACS)", 12)
    if document.sort_code:
        text("P", f"Account name: {document.bank_account_name}", gap=0)
        text("P", f"Sort code: {document.sort_code}", gap=0)
        text("P", f"Account number: {document.account_number}", gap=0)
        text("P", f"Reference: {document.ref}", gap=2)
    else:
        text("P", f"Ask {document.po_to} for our bank details.", gap=2)
    text("P", f"{NOT_A_VAT_INVOICE}. The VAT invoice follows the purchase order.", 9)
    return bytes(pdf.output())


def _table(pdf: FPDF, document: Quotation, width: float) -> None:
    """The places and prices as a tagged table (fpdf2's own table tags its header and cells)."""
    pdf.set_font("NotoSans", "", 9)
    widths = (width * 0.40, width * 0.08, width * 0.13, width * 0.13, width * 0.13, width * 0.13)
    from fpdf.fonts import FontFace

    aligned = ("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")
    # The header row in the regular face (a variable font's bold cut takes fontTools seconds), in the accent colour.
    heading = FontFace(emphasis="", color=_ACCENT)
    with pdf.table(col_widths=widths, text_align=aligned, headings_style=heading) as table:
        table.row(("Description", "Qty", "Unit (net)", "Net", f"VAT {document.vat_rate}", "Total"))
        for line in document.lines:
            table.row((line.description, str(line.quantity), line.unit_net, line.net, line.vat, line.gross))
        table.row(("Total", "", "", document.net, document.vat, document.gross))


@contextmanager
def _tagged(pdf: FPDF, tag: str, text: str) -> Iterator[None]:
    """What is drawn inside as a structure element (P, H1, H2) with its text as ActualText, as the certificates
    do (bookings/certificate_pdf.py: fpdf2 has no public call for marked content)."""
    page = pdf.page
    builder = pdf.struct_builder
    mcid = builder.next_mcid_for_page(page)
    _, parents = builder.add_marked_content(page_number=page, struct_type=f"/{tag}", mcid=mcid)
    pdf.pages[page].struct_parents = parents
    pdf._set_min_pdf_version("1.4")  # private: fpdf2 has no public call for this
    actual = (b"\xfe\xff" + unicodedata.normalize("NFC", text).encode("utf-16-be")).hex().upper()
    pdf._out(f"/{tag} <</MCID {mcid} /ActualText <{actual}>>> BDC")  # private: fpdf2 has no public call for this
    yield
    pdf._out("EMC")  # private: fpdf2 has no public call for this
