"""A small tagged-PDF writer: A4 pages of text lines and simple tables, one embedded font (Noto Sans, subset ahead
of time by devtools/fonts.py), a structure tree (Document, H1, H2, P, Table/TR/TH/TD) with every piece of text
marked, the document's language and title, and a ToUnicode map so text can be searched and read aloud. The layout,
the tagging and the font are ours; the file format (objects, streams, the cross-reference stream) is pydyf's,
WeasyPrint's low-level PDF writer (pure Python, no dependencies). It is what a quotation needs and no more; the back
office's certificates use fpdf2, which is too large for the Lambda bundle (fontTools and Pillow: 60 MB and more).
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

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
        return _write(self)


def _write(document: Document) -> bytes:
    """The file, through pydyf (objects, streams, the cross-reference stream): the catalog marked as tagged with
    its language, one page object per page, the structure tree with its parent tree, the font and the metadata."""
    import pydyf

    pdf = pydyf.PDF()
    font = _font(pdf, metrics(), document._used)
    pages = []
    for index, content in enumerate(document.pages):
        contents = _add(pdf, pydyf.Stream([b"".join(content)], compress=True))
        resources = pydyf.Dictionary({"Font": pydyf.Dictionary({"F1": font.reference})})
        page = pydyf.Dictionary({
            "Type": "/Page", "Parent": pdf.pages.reference, "MediaBox": pydyf.Array([0, 0, *A4]),
            "Contents": contents.reference, "Resources": resources, "StructParents": index, "Tabs": "/S",
        })  # fmt: skip
        pdf.add_page(page)
        pages.append(page)
    tree = _add(pdf, pydyf.Dictionary({"Type": "/StructTreeRoot", "ParentTreeNextKey": len(pages)}))
    parents = [pydyf.Array() for _ in pages]  # each page's marked content, by MCID: the elements that hold it
    tree["K"] = pydyf.Array([_element(pdf, document.root, tree, pages, parents).reference])
    tree["ParentTree"] = pydyf.Dictionary(
        {"Nums": pydyf.Array([x for i, refs in enumerate(parents) for x in (i, refs)])}
    )
    pdf.catalog.update({
        "StructTreeRoot": tree.reference, "MarkInfo": pydyf.Dictionary({"Marked": "true"}),
        "Lang": pydyf.String(document.lang), "ViewerPreferences": pydyf.Dictionary({"DisplayDocTitle": "true"}),
    })  # fmt: skip
    info = {"Title": document.title, "Author": document.author, "Subject": document.subject, "Producer": "event-site"}
    pdf.info.update({key: pydyf.String(value) for key, value in info.items()})  # any script: UTF-16 when not ASCII
    out = io.BytesIO()
    pdf.write(out, version=b"1.7", compress=True)
    return out.getvalue()


def _add(pdf: Any, obj: Any) -> Any:
    pdf.add_object(obj)
    return obj


def _element(pdf: Any, element: _Element, parent: Any, pages: list[Any], parents: list[Any]) -> Any:
    """One structure element (and, below it, its children): marked content by MCID on its page, or elements."""
    import pydyf

    page = pages[element.page].reference
    node = _add(
        pdf, pydyf.Dictionary({"Type": "/StructElem", "S": f"/{element.tag}", "P": parent.reference, "Pg": page})
    )
    if element.mcid is not None:
        parents[element.page].append(node.reference)
        node["K"] = pydyf.Array([element.mcid])
    else:
        node["K"] = pydyf.Array([_element(pdf, c, node, pages, parents).reference for c in element.children])
    return node


def _font(pdf: Any, m: Metrics, used_glyphs: dict[int, str]) -> Any:
    """Noto Sans as a Type 0 font over its embedded TrueType subset (Identity-H: two bytes per glyph id), with the
    widths of the glyphs used and a ToUnicode map from each to the character it draws."""
    import pydyf

    raw = FONT.with_suffix(".ttf").read_bytes()
    file = _add(pdf, pydyf.Stream([raw], {"Length1": len(raw)}, compress=True))
    name = f"/QUOTEA+{m.name}"
    scale = 1000 / m.units
    descriptor = _add(pdf, pydyf.Dictionary({
        "Type": "/FontDescriptor", "FontName": name, "Flags": 32, "ItalicAngle": 0, "StemV": 80,
        "FontBBox": pydyf.Array([round(v * scale) for v in m.bbox]), "Ascent": round(m.ascent * scale),
        "Descent": round(m.descent * scale), "CapHeight": round(m.cap_height * scale), "FontFile2": file.reference,
    }))  # fmt: skip
    used = sorted(used_glyphs.items())
    widths = pydyf.Array([x for gid, _ in used for x in (gid, pydyf.Array([round(m.widths[gid] * scale)]))])
    system = pydyf.Dictionary(
        {"Registry": pydyf.String("Adobe"), "Ordering": pydyf.String("Identity"), "Supplement": 0}
    )
    cid = _add(pdf, pydyf.Dictionary({
        "Type": "/Font", "Subtype": "/CIDFontType2", "BaseFont": name, "CIDSystemInfo": system,
        "FontDescriptor": descriptor.reference, "DW": round(m.widths[0] * scale), "W": widths, "CIDToGIDMap": "/Identity",
    }))  # fmt: skip
    mapping = "\n".join(f"<{gid:04X}> <{ch.encode('utf-16-be').hex().upper()}>" for gid, ch in used)
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CIDSystemInfo "
        "<</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def /CMapName /Adobe-Identity-UCS def /CMapType 2 def "
        f"1 begincodespacerange <0000> <FFFF> endcodespacerange {len(used)} beginbfchar\n"
        f"{mapping}\nendbfchar endcmap CMapName currentdict /CMap defineresource pop end end"
    )
    to_unicode = _add(pdf, pydyf.Stream([cmap.encode()], compress=True))
    return _add(pdf, pydyf.Dictionary({
        "Type": "/Font", "Subtype": "/Type0", "BaseFont": name, "Encoding": "/Identity-H",
        "DescendantFonts": pydyf.Array([cid.reference]), "ToUnicode": to_unicode.reference,
    }))  # fmt: skip
