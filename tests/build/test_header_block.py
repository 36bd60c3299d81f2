"""read_header converts only the header block; it must read exactly what Markdown reads from the whole file."""

from __future__ import annotations

from pathlib import Path

import markdown
from hypothesis import given, settings
from hypothesis import strategies as st

from pelican.plugins.event_site.metadata import read_header
from tests.build.conftest import ROOT


def _whole(text: str) -> dict[str, str]:
    md = markdown.Markdown(extensions=["markdown.extensions.meta"])
    md.convert(text)
    return {key: " ".join(lines).strip() for key, lines in md.Meta.items()}


def test_every_real_event_reads_the_same_as_converting_the_whole_file() -> None:
    for path in sorted((ROOT / "content").rglob("*.md")):
        assert read_header(path) == _whole(path.read_text(encoding="utf-8")), path


_lines = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "Title: A day",
                "Date: 2027-01-02",
                "    more of it",
                "\tindented",
                "---",
                "...",
                "",
                "   ",
                "\t",
                "\u00a0",
                "Not: a",
                "plain prose",
                "Key:",
                "# Heading",
            ]
        ),
        st.text(alphabet=" :\t-abcXY\u00a0", max_size=12),
    ),
    max_size=10,
)


@settings(max_examples=150, deadline=None)
@given(lines=_lines, newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_any_header_reads_the_same_as_converting_the_whole_file(tmp_path_factory, lines, newline) -> None:
    path = Path(tmp_path_factory.mktemp("h")) / "e.md"
    text = newline.join(lines) + newline + newline + "Body: not a header\n\nMore prose."
    path.write_bytes(text.encode("utf-8"))
    assert read_header(path) == _whole(path.read_text(encoding="utf-8"))
