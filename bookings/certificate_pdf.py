"""A CPD certificate as a tagged, A4 PDF (fpdf2), with Noto fonts from PyPI embedded and subset.

Text is shaped with HarfBuzz (uharfbuzz), so Arabic names join and run right to left. A name with a
character none of the embedded fonts has is refused (`Uncovered`) rather than printed as empty boxes.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

LANGUAGE = "en-GB"
# Latin, Greek and Cyrillic; Arabic; Chinese, Japanese and Korean (Noto Sans CJK JP: its Han glyphs follow
# Japanese forms). A certificate embeds only those its text needs: every font added is subset and embedded,
# and the CJK one (16 MB) takes a few seconds.
FONTS = ("NotoSans", "NotoSansArabic", "NotoSansCJK")
_INK = (33, 37, 41)
_ACCENT = (0, 84, 147)


@dataclass(frozen=True)
class Certificate:
    """What one certificate says. `hours` is the event's CPD_hours as written ("5", "5.5")."""

    number: str
    name: str
    event_title: str
    event_date: str
    hours: str
    organiser: str


class Uncovered(ValueError):
    """Text holds characters that no embedded font can draw; `characters` lists them."""

    def __init__(self, characters: str):
        self.characters = characters
        super().__init__(f"no embedded font has {' '.join(characters)}")


def hours_text(hours: str) -> str:
    """'5 hours of CPD', '1 hour of CPD', '5.5 hours of CPD'."""
    return f"{hours} {'hour' if hours in ('1', '1.0') else 'hours'} of CPD"


@lru_cache(maxsize=1)
def _font_files() -> dict[str, Path]:
    import fontpkg
    import noto_cjk_sans_jp_regular

    return {
        "NotoSans": Path(fontpkg.path("Noto Sans")),
        "NotoSansArabic": Path(fontpkg.path("Noto Sans Arabic")),
        "NotoSansCJK": Path(str(noto_cjk_sans_jp_regular.FONT_PATH)),
    }


@lru_cache(maxsize=1)
def _coverage() -> dict[str, frozenset[int]]:
    from fontTools.ttLib import TTFont

    covered = {}
    for family, path in _font_files().items():
        with TTFont(path, lazy=True) as font:
            covered[family] = frozenset(font.getBestCmap())
    return covered


def _drawn(text: str) -> list[str]:
    """The characters of `text` that need a glyph (spaces and format characters need none)."""
    return [ch for ch in unicodedata.normalize("NFC", text) if not ch.isspace() and unicodedata.category(ch) != "Cf"]


def uncovered(text: str) -> str:
    """The distinct characters of `text` that no embedded font has."""
    fonts = _coverage().values()
    return "".join(dict.fromkeys(ch for ch in _drawn(text) if not any(ord(ch) in cmap for cmap in fonts)))


def _families(text: str) -> list[str]:
    """The fonts `text` needs, Noto Sans first: for each character, the first font that has it."""
    coverage = _coverage()
    needed = {FONTS[0]}
    for ch in _drawn(text):
        needed.add(next((family for family in FONTS if ord(ch) in coverage[family]), FONTS[0]))
    return [family for family in FONTS if family in needed]


def _primary(text: str) -> str:
    """The font to set a line in: the first other than Noto Sans that the line needs (Noto Sans is the fallback)."""
    return next(iter(_families(text)[1:]), FONTS[0])


def render(certificate: Certificate) -> bytes:
    """The certificate as PDF bytes; Uncovered if any of its text cannot be drawn."""
    from fpdf import FPDF
    from fpdf.enums import TextMode
    from fpdf.prefs import ViewerPreferences

    missing = "".join(dict.fromkeys(uncovered(certificate.name) + uncovered(certificate.event_title)))
    if missing:
        raise Uncovered(missing)
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(25, 20, 25)
    needed = _families(certificate.name + certificate.event_title + certificate.organiser)
    for family in needed:
        pdf.add_font(family, "", _font_files()[family])
    pdf.set_fallback_fonts(needed, exact_match=False)
    pdf.set_text_shaping(True)
    title = f"Certificate of attendance: {certificate.name}, {certificate.event_title}"
    pdf.set_title(title)
    pdf.set_subject(f"{hours_text(certificate.hours)}, {certificate.event_date}")
    pdf.set_author(certificate.organiser)
    pdf.set_creator(certificate.organiser)
    pdf.set_lang(LANGUAGE)
    pdf.viewer_preferences = ViewerPreferences(display_doc_title=True)
    pdf.add_page()
    _frame(pdf)
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(tag: str, text: str, size: float, bold: bool = False, colour: tuple[int, int, int] = _INK) -> None:
        pdf.set_font(_primary(text), "", size)
        pdf.set_text_color(*colour)
        # The fonts are variable fonts whose bold instance takes fontTools many seconds to cut, so bold is the
        # regular outline filled and stroked in its own colour.
        pdf.text_mode = TextMode.FILL_STROKE if bold else TextMode.FILL
        pdf.set_draw_color(*colour)
        pdf.set_line_width(size * 0.012)
        with _tagged(pdf, tag, text):
            pdf.multi_cell(width, size * 0.5, text, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.text_mode = TextMode.FILL

    pdf.set_y(28)
    line("P", certificate.organiser, 13, True, _ACCENT)
    pdf.ln(8)
    line("H1", "Certificate of attendance", 30, True)
    pdf.ln(8)
    line("P", "This is to certify that", 13)
    pdf.ln(3)
    line("P", certificate.name, 26, True, _ACCENT)
    pdf.ln(3)
    line("P", "attended", 13)
    pdf.ln(3)
    line("P", certificate.event_title, 17, True)
    pdf.ln(2)
    line("P", f"on {certificate.event_date}", 13)
    pdf.ln(7)
    line("P", f"{hours_text(certificate.hours)} (continuing professional development)", 15)
    pdf.set_y(pdf.h - 42)
    line("P", f"Issued by {certificate.organiser}", 11)
    pdf.ln(1)
    line("P", f"Certificate number {certificate.number}", 11)
    return bytes(pdf.output())


@contextmanager
def _tagged(pdf: FPDF, tag: str, text: str) -> Iterator[None]:
    """Wrap what is drawn inside in a structure element (P, H1) of the document's structure tree, with the
    text as its ActualText: shaped Arabic is drawn as joined glyphs, and a screen reader should read letters.

    fpdf2 tags only images and links itself; this follows its own `_marked_sequence` with the element's type.
    """
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


def _frame(pdf: FPDF) -> None:
    """The decorative border, marked as an artifact so screen readers skip it."""
    pdf._out("/Artifact BMC")  # private: fpdf2 has no public call for this
    pdf.set_draw_color(*_ACCENT)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, pdf.w - 26, pdf.h - 26)
    pdf._out("EMC")  # private: fpdf2 has no public call for this
