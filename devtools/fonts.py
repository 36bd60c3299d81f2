"""Make the font the booking function embeds in a quotation's PDF: `python -m devtools.fonts`.

Noto Sans (from PyPI's fontpkg-noto-sans, a variable font) is cut to its regular instance and subset to Latin,
Greek, Cyrillic and common punctuation (about 80 KB), and its metrics (character map, advance widths, bounding
box) are written beside it as JSON. The function then embeds the font itself (adapters/documents/pdf.py, with
pydyf for the file format), so neither fontTools nor fpdf2 (60 MB and more) goes into the Lambda bundle.
Run it again only to change the characters covered; tests/documents checks the two files agree.
"""

from __future__ import annotations

import json
from pathlib import Path

FONTS = Path(__file__).resolve().parents[1] / "adapters" / "documents" / "fonts"
NAME = "NotoSans-Regular-subset"
# Basic Latin, Latin-1, Latin Extended-A and -B, Greek, Cyrillic (and its supplement), general punctuation,
# the euro, numero and trade mark signs.
COVERED = [
    *range(0x20, 0x7F),
    *range(0xA0, 0x250),
    *range(0x370, 0x530),
    *range(0x2010, 0x2050),
    0x20AC,
    0x2116,
    0x2122,
]


def make(folder: Path = FONTS) -> tuple[Path, Path]:
    import fontpkg
    from fontTools import subset
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    font = instancer.instantiateVariableFont(TTFont(fontpkg.path("Noto Sans")), {"wght": 400, "wdth": 100})
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "STAT", "DSIG"]
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=COVERED)
    subsetter.subset(font)
    folder.mkdir(parents=True, exist_ok=True)
    ttf = folder / f"{NAME}.ttf"
    font.save(ttf)
    saved = TTFont(ttf)
    order = saved.getGlyphOrder()
    gid = {name: i for i, name in enumerate(order)}
    head, hhea, os2 = saved["head"], saved["hhea"], saved["OS/2"]
    metrics = {
        "font_name": "NotoSans-Regular",
        "units_per_em": head.unitsPerEm,
        "bbox": [head.xMin, head.yMin, head.xMax, head.yMax],
        "ascent": hhea.ascent,
        "descent": hhea.descent,
        "cap_height": getattr(os2, "sCapHeight", hhea.ascent),
        "cmap": {str(code): gid[name] for code, name in sorted(saved.getBestCmap().items())},
        "widths": [saved["hmtx"][name][0] for name in order],
    }
    meta = folder / f"{NAME}.json"
    meta.write_text(json.dumps(metrics, separators=(",", ":")) + "\n", encoding="utf-8")
    return ttf, meta


if __name__ == "__main__":
    for path in make():
        print(f"{path} ({path.stat().st_size:,} bytes)")
