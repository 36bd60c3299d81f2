"""Built HTML pages without the templates' indentation and the line breaks around block-level tags: the same page to
a browser, about 1 KB less on an event page, which must stay under 50 KB with its CSS and JS.

Pelican's pages are compacted as they are rendered, before their one write (CompactingWriter); the few .html files
the build copies rather than renders (/admin/) by `compact_files`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from pelican.writers import Writer

_BLOCK = (
    "div|p|fieldset|legend|form|ul|ol|li|dl|dt|dd|table|caption|thead|tbody|tfoot|tr|td|th|h[1-6]|"
    "section|article|nav|header|footer|main|head|body|html|meta|link|title"
)
# Between two tags, whitespace collapses to one space when rendered: a run holding a line break renders as the line
# break alone does (indentation, blank lines), and a run of spaces as one space.
_INDENT = re.compile(r">[ \t]*\n\s*<")
_SPACES = re.compile(r">[ \t]{2,}<")
# Whitespace just before a block-level tag, or just after one opens or closes, is never rendered: it only separates
# blocks (at the end or the start of a line, collapsible whitespace is removed).
_BEFORE_BLOCK = re.compile(rf">\s+(?=</?(?:{_BLOCK})[\s>/])")
_AFTER_BLOCK = re.compile(rf"(</?(?:{_BLOCK})(?:\s[^<>]*)?>)\s+(?=<)")
# Where whitespace is content: left exactly as written.
_VERBATIM = re.compile(r"<(pre|textarea|script|style)\b.*?</\1\s*>", re.S | re.I)


def compact(html: str) -> str:
    """`html` without the whitespace between tags that a browser does not render, outside pre/textarea/script/style."""
    verbatim: list[str] = []

    def hold(match: re.Match[str]) -> str:
        verbatim.append(match.group(0))
        return f"<\x00{len(verbatim) - 1}\x00>"  # a stand-in tag: Pelican never writes NUL

    held = _compact(_VERBATIM.sub(hold, html))
    return re.sub(r"<\x00(\d+)\x00>", lambda m: verbatim[int(m.group(1))], held)


def _compact(part: str) -> str:
    part = _INDENT.sub(">\n<", part)
    part = _SPACES.sub("> <", part)
    part = _BEFORE_BLOCK.sub(">", part)
    return _AFTER_BLOCK.sub(r"\1", part)


def compact_files(folder: Path) -> None:
    """Rewrite the .html files under `folder` through `compact`."""
    for path in folder.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        smaller = compact(text)
        if smaller != text:
            path.write_text(smaller, encoding="utf-8")


class _Compacted:
    """A template whose render() is compacted: what Pelican's writer renders, then writes once."""

    def __init__(self, template: Any) -> None:
        self.template = template

    def render(self, *args: Any, **kwargs: Any) -> str:
        return compact(self.template.render(*args, **kwargs))


class CompactingWriter(Writer):
    """Pelican's writer, with every .html page compacted before it is written (not read back and written again)."""

    def write_file(self, name: str, template: Any, *args: Any, **kwargs: Any) -> Any:
        if name.endswith(".html"):
            template = _Compacted(template)
        return super().write_file(name, template, *args, **kwargs)


def compacting_writer(pelican: Any) -> type[Writer]:
    """The get_writer signal's answer."""
    return CompactingWriter
