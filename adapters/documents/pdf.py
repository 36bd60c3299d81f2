"""A small tagged-PDF writer with the standard library alone: A4 pages of text lines and simple tables, one
embedded font (Noto Sans, subset ahead of time by devtools/fonts.py), a structure tree (Document, H1, H2, P,
Table/TR/TH/TD) with every piece of text marked, the document's language and title, and a ToUnicode map so
text can be searched and read aloud. It is what a quotation needs and no more; the back office's certificates
use fpdf2, which is too large for the Lambda bundle (fontTools and Pillow: 60 MB and more).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

FONT = Path(__file__).resolve().parent / "fonts" / "NotoSans-Regular-subset"
A4 = (595.28, 841.89)  # points
MARGIN = 51.0  # 18 mm


@dataclass(frozen=True)
class Metrics:
    name: str
    units: int
    bbox: tuple[int, int, int, int]
    ascent: int
    descent: int
    cap_height: int
    cmap: dict[int, int]
    widths: tuple[int, ...]

    def glyphs(self, text: str) -> list[int]:
        """Glyph ids for `text`; a character the font lacks is drawn as the font's .notdef box (glyph 0)."""
        return [self.cmap.get(ord(ch), 0) for ch in text]

    def width(self, text: str, size: float) -> float:
        return sum(self.widths[g] for g in self.glyphs(text)) * size / self.units


@lru_cache(maxsize=1)
def metrics() -> Metrics:
    data = json.loads(FONT.with_suffix(".json").read_text(encoding="utf-8"))
    return Metrics(
        name=data["font_name"],
        units=data["units_per_em"],
        bbox=tuple(data["bbox"]),
        ascent=data["ascent"],
        descent=data["descent"],
        cap_height=data["cap_height"],
        cmap={int(k): v for k, v in data["cmap"].items()},
        widths=tuple(data["widths"]),
    )


def _text_string(text: str) -> bytes:
    """A PDF literal string (for the document information and structure attributes), UTF-16BE with its BOM."""
    return b"<" + (b"\xfe\xff" + text.encode("utf-16-be")).hex().upper().encode() + b">"


@dataclass
class _Element:
    tag: str
    page: int
    mcid: int | None = None
    children: list[_Element] = field(default_factory=list)
    alt: str = ""


@dataclass
class Document:
    """Lay out top to bottom; `heading`, `paragraph` and `table` add tagged content, breaking pages as needed."""

    title: str
    author: str
    subject: str = ""
    lang: str = "en-GB"
    pages: list[list[bytes]] = field(default_factory=lambda: [[]])
    root: _Element = field(default_factory=lambda: _Element("Document", 0))
    y: float = A4[1] - MARGIN
    _mcids: list[int] = field(default_factory=lambda: [0])
    _used: dict[int, str] = field(default_factory=dict)  # glyph id -> the character it draws

    @property
    def width(self) -> float:
        return A4[0] - 2 * MARGIN

    def _mark(self, tag: str, parent: _Element | None = None) -> _Element:
        page = len(self.pages) - 1
        element = _Element(tag, page, self._mcids[page])
        self._mcids[page] += 1
        (parent or self.root).children.append(element)
        return element

    def _room(self, height: float) -> None:
        if self.y - height < MARGIN:
            self.pages.append([])
            self._mcids.append(0)
            self.y = A4[1] - MARGIN

    def _show(self, x: float, y: float, text: str, size: float, colour: tuple[float, float, float]) -> bytes:
        glyphs = metrics().glyphs(text)
        self._used.update((g, ch) for g, ch in zip(glyphs, text, strict=True) if g)
        hexed = "".join(f"{g:04X}" for g in glyphs)
        r, g, b = colour
        return f"BT {r:.3f} {g:.3f} {b:.3f} rg /F1 {size:g} Tf {x:.2f} {y:.2f} Td <{hexed}> Tj ET\n".encode()

    def _wrap(self, text: str, size: float, width: float) -> list[str]:
        lines: list[str] = []
        for paragraph in text.split("\n"):
            line = ""
            for word in paragraph.split(" "):
                trial = f"{line} {word}" if line else word
                if line and metrics().width(trial, size) > width:
                    lines.append(line)
                    line = word
                else:
                    line = trial
            lines.append(line)
        return lines

    def text(
        self, tag: str, text: str, size: float = 10, colour: tuple[float, float, float] = (0.13, 0.15, 0.16)
    ) -> None:
        """A heading (H1, H2) or paragraph (P), wrapped to the page's width: one marked element."""
        leading = size * 1.35
        lines = self._wrap(text, size, self.width)
        self._room(leading * len(lines))
        element = self._mark(tag)
        out = [f"/{tag} <</MCID {element.mcid}>> BDC\n".encode()]
        for line in lines:
            self.y -= leading
            out.append(self._show(MARGIN, self.y, line, size, colour))
        out.append(b"EMC\n")
        self.pages[-1].extend(out)

    def gap(self, points: float) -> None:
        self.y -= points

    def table(self, rows: Sequence[tuple[str, ...]], widths: tuple[float, ...], size: float = 9) -> None:
        """A table whose first row is the header (TH) and the rest data (TD); columns after the first align right."""
        leading = size * 1.5
        table = _Element("Table", len(self.pages) - 1)
        self.root.children.append(table)
        for index, row in enumerate(rows):
            cells = [self._wrap(cell, size, widths[i] * self.width - 4) for i, cell in enumerate(row)]
            height = leading * max(len(c) for c in cells)
            self._room(height + 4)
            tr = _Element("TR", len(self.pages) - 1)
            table.children.append(tr)
            x = MARGIN
            top = self.y
            out: list[bytes] = []
            for column, lines in enumerate(cells):
                cell_width = widths[column] * self.width
                element = self._mark("TH" if index == 0 else "TD", tr)
                out.append(f"/{element.tag} <</MCID {element.mcid}>> BDC\n".encode())
                y = top
                for line in lines:
                    y -= leading
                    shift = 0.0 if column == 0 else cell_width - 4 - metrics().width(line, size)
                    colour = (0.0, 0.33, 0.58) if index == 0 else (0.13, 0.15, 0.16)
                    out.append(self._show(x + shift, y, line, size, colour))
                out.append(b"EMC\n")
                x += cell_width
            self.y = top - height - 2
            # The rule under the row is decoration, not content: an artifact.
            out.append(f"/Artifact BMC 0.8 0.8 0.8 RG 0.5 w {MARGIN:.2f} {self.y:.2f} m {MARGIN + self.width:.2f} "
                       f"{self.y:.2f} l S EMC\n".encode())  # fmt: skip
            self.pages[-1].extend(out)
            self.y -= 2

    def output(self) -> bytes:
        return _Writer(self).write()


class _Writer:
    """Numbers the objects and writes the file with its cross-reference table."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.objects: list[bytes] = []

    def reserve(self) -> int:
        self.objects.append(b"")
        return len(self.objects)

    def put(self, number: int, body: bytes) -> int:
        self.objects[number - 1] = body
        return number

    def add(self, body: bytes) -> int:
        return self.put(self.reserve(), body)

    def stream(self, data: bytes, extra: str = "") -> int:
        packed = zlib.compress(data, 9)
        return self.add(f"<</Length {len(packed)} /Filter /FlateDecode{extra}>>\nstream\n".encode() + packed
                        + b"\nendstream")  # fmt: skip

    def write(self) -> bytes:
        doc = self.document
        m = metrics()
        catalog, pages_id, struct_root = self.reserve(), self.reserve(), self.reserve()
        font = self._font(m)
        page_ids = [self.reserve() for _ in doc.pages]
        for number, content in zip(page_ids, doc.pages, strict=True):
            contents = self.stream(b"".join(content))
            self.put(
                number,
                f"<</Type /Page /Parent {pages_id} 0 R /MediaBox [0 0 {A4[0]} {A4[1]}] /Contents {contents} 0 R "
                f"/Resources <</Font <</F1 {font} 0 R>>>> /StructParents {page_ids.index(number)} /Tabs /S>>".encode(),
            )
        kids = " ".join(f"{n} 0 R" for n in page_ids)
        self.put(pages_id, f"<</Type /Pages /Kids [{kids}] /Count {len(page_ids)}>>".encode())
        parents: dict[int, list[int]] = {i: [] for i in range(len(page_ids))}
        top = self._element(doc.root, struct_root, page_ids, parents)
        nums = " ".join(
            f"{page} [{' '.join(f'{n} 0 R' for n in numbers)}]" for page, numbers in sorted(parents.items())
        )
        self.put(
            struct_root,
            f"<</Type /StructTreeRoot /K [{top} 0 R] /ParentTree <</Nums [{nums}]>> "
            f"/ParentTreeNextKey {len(page_ids)}>>".encode(),
        )
        self.put(
            catalog,
            f"<</Type /Catalog /Pages {pages_id} 0 R /StructTreeRoot {struct_root} 0 R /MarkInfo <</Marked true>> "
            f"/Lang ({doc.lang}) /ViewerPreferences <</DisplayDocTitle true>>>>".encode(),
        )
        info = self.add(
            b"<</Title " + _text_string(doc.title) + b" /Author " + _text_string(doc.author)
            + b" /Subject " + _text_string(doc.subject) + b" /Producer " + _text_string("event-site") + b">>"
        )  # fmt: skip
        return self._file(catalog, info)

    def _element(self, element: _Element, parent: int, page_ids: list[int], parents: dict[int, list[int]]) -> int:
        number = self.reserve()
        if element.mcid is not None:
            parents[element.page].append(number)
            kids = f"{element.mcid}"
        else:
            kids = " ".join(f"{self._element(c, number, page_ids, parents)} 0 R" for c in element.children)
        self.put(
            number,
            f"<</Type /StructElem /S /{element.tag} /P {parent} 0 R /Pg {page_ids[element.page]} 0 R "
            f"/K [{kids}]>>".encode(),
        )
        return number

    def _font(self, m: Metrics) -> int:
        raw = FONT.with_suffix(".ttf").read_bytes()
        file = self.stream(raw, f" /Length1 {len(raw)}")
        name = f"QUOTEA+{m.name}"
        scale = 1000 / m.units
        x0, y0, x1, y1 = (round(v * scale) for v in m.bbox)
        descriptor = self.add(
            f"<</Type /FontDescriptor /FontName /{name} /Flags 32 /FontBBox [{x0} {y0} {x1} {y1}] /ItalicAngle 0 "
            f"/Ascent {round(m.ascent * scale)} /Descent {round(m.descent * scale)} "
            f"/CapHeight {round(m.cap_height * scale)} /StemV 80 /FontFile2 {file} 0 R>>".encode()
        )
        used = sorted(self.document._used.items())
        widths = " ".join(f"{gid} [{round(m.widths[gid] * scale)}]" for gid, _ in used)
        cid = self.add(
            f"<</Type /Font /Subtype /CIDFontType2 /BaseFont /{name} "
            f"/CIDSystemInfo <</Registry (Adobe) /Ordering (Identity) /Supplement 0>> /FontDescriptor {descriptor} 0 R "
            f"/DW {round(m.widths[0] * scale)} /W [{widths}] /CIDToGIDMap /Identity>>".encode()
        )
        mapping = "\n".join(f"<{gid:04X}> <{ch.encode('utf-16-be').hex().upper()}>" for gid, ch in used)
        cmap = (
            "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo "
            "<</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def "
            f"1 begincodespacerange <0000> <FFFF> endcodespacerange {len(used)} beginbfchar\n"
            f"{mapping}\nendbfchar endcmap CMapName currentdict /CMap defineresource pop end end"
        )
        to_unicode = self.stream(cmap.encode())
        return self.add(
            f"<</Type /Font /Subtype /Type0 /BaseFont /{name} /Encoding /Identity-H /DescendantFonts [{cid} 0 R] "
            f"/ToUnicode {to_unicode} 0 R>>".encode()
        )

    def _file(self, catalog: int, info: int) -> bytes:
        out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(self.objects, start=1):
            offsets.append(len(out))
            out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
        xref = len(out)
        out += f"xref\n0 {len(self.objects) + 1}\n0000000000 65535 f \n".encode()
        out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
        out += f"trailer\n<</Size {len(self.objects) + 1} /Root {catalog} 0 R /Info {info} 0 R>>\nstartxref\n{xref}\n%%EOF\n".encode()
        return bytes(out)
