"""A quotation's PDF, made by the function with the standard library and a font subset ahead of time: tagged
(structure tree, language, title), its font embedded, its text extractable as written, in any of the scripts the
font covers."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from adapters.documents import pdf as writer
from adapters.documents.quotation import NOT_A_VAT_INVOICE, pdf, quotation
from booking.record import Amount, Attendee, BookingRecord, Contact
from pricing.organiser import load_organiser
from tests.fixture_site import FIXTURE_ORGANISER


def _record(name: str = "Priya Shah", delegates: int = 3) -> BookingRecord:
    return BookingRecord(
        ref="CP-ABCDEF",
        event="caldicott-police-2083",
        category="public-sector",
        payment="invoice",
        contact=Contact(name=name, email="priya@nhs.net", organisation="Leeds Teaching Hospitals NHS Trust"),
        delegates=tuple(Attendee(name=f"Delegate {i}", email=f"d{i}@nhs.net") for i in range(delegates)),
        amounts=(Amount(net_pence=29500, vat_pence=5900),) + (Amount(net_pence=25075, vat_pence=5015),) * 2,
        is_quote=True,
        quote_number="Q-000042",
        quoted_at="2083-01-05T10:00:00+00:00",
        quote_expires="2083-02-04T10:00:00+00:00",
    )


def _document(record: BookingRecord):
    return quotation(
        record,
        event_title="Caldicott and Police Data",
        event_when="Tuesday 14 September 2083",
        category_label="NHS, Schools, Care and Public Sector",
        vat_percent="20",
        organiser=load_organiser(FIXTURE_ORGANISER),
        po_to="bookings@example.org",
    )


def test_the_quotation_pdf_says_what_a_finance_team_needs_and_is_tagged_with_its_font_embedded():
    reader = PdfReader(io.BytesIO(pdf(_document(_record()))), strict=True)
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (
        NOT_A_VAT_INVOICE,
        "Quotation Q-000042",
        "Valid until: 10:00 on 4 February 2083",
        "VAT number: GB123456789",
        "Sort code: 12-34-56",
        "Account number: 12345678",
        "£796.50 £159.30 £955.80",  # net, VAT and gross in total
        "£295.00 £295.00 £59.00 £354.00",  # one first delegate: unit, net, VAT, gross
        "£250.75 £501.50 £100.30 £601.80",  # two more at 15% off
        "Leeds Teaching Hospitals NHS Trust",
    ):
        assert expected in text
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"]) and root["/Lang"] == "en-GB"
    tags = []

    def walk(element):
        tags.append(element["/S"])
        for kid in element.get("/K", []):
            kid = kid.get_object()
            if hasattr(kid, "get") and "/S" in kid:
                walk(kid)

    walk(root["/StructTreeRoot"]["/K"][0].get_object())
    assert tags[0] == "/Document" and {"/H1", "/H2", "/P", "/Table", "/TR", "/TH", "/TD"} <= set(tags)
    font = reader.pages[0]["/Resources"]["/Font"]["/F1"]
    descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
    assert "/FontFile2" in descriptor and font["/BaseFont"].endswith("NotoSans-Regular")
    assert reader.metadata.title == "Quotation Q-000042: Caldicott and Police Data"


@pytest.mark.parametrize(
    "name", ["Zoë Łukasiewicz", "Δημήτρης Παπαδόπουλος", "Дмитрий Иванов", "Siobhán Ó Súilleabháin"]
)
def test_names_in_the_covered_scripts_come_out_as_written(name):
    text = PdfReader(io.BytesIO(pdf(_document(_record(name))))).pages[0].extract_text()
    assert name in text


def test_the_embedded_fonts_metrics_agree_with_the_font_file():
    from fontTools.ttLib import TTFont

    font = TTFont(writer.FONT.with_suffix(".ttf"))
    m = writer.metrics()
    order = font.getGlyphOrder()
    assert m.units == font["head"].unitsPerEm
    assert all(order[m.cmap[code]] == name for code, name in font.getBestCmap().items())
    assert list(m.widths) == [font["hmtx"][name][0] for name in order]
    assert ord("£") in m.cmap and ord("€") in m.cmap


def test_a_long_table_breaks_onto_a_second_page_and_keeps_every_row():
    document = writer.Document(title="Many rows", author="Test")
    document.table([("Row", "Value")] + [(f"row {i}", f"{i}") for i in range(80)], (0.6, 0.4))
    reader = PdfReader(io.BytesIO(document.output()), strict=True)
    assert len(reader.pages) == 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert all(f"row {i}" in text for i in range(80))
