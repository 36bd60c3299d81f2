"""Every relative link and #anchor in every tracked Markdown file leads somewhere (GitHub's heading slugs)."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)
_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1", re.S)
_LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$", re.M)


def _tracked_markdown() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "*.md"], cwd=ROOT, capture_output=True, text=True, check=True)
    return sorted(name for name in listed.stdout.splitlines() if (ROOT / name).is_file())


def _prose(text: str) -> str:
    """The text with fenced code blocks and code spans blanked: links there are examples, not links."""
    return _CODE_SPAN.sub("", _FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, markup dropped, punctuation removed, spaces to hyphens."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading.strip())
    text = re.sub(r"<[^>]+>|[`*]", "", text).lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
    return kept.replace(" ", "-")


@cache
def anchors(path: Path) -> frozenset[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    seen: dict[str, int] = {}
    found = set(re.findall(r"<a\s+(?:name|id)=\"([^\"]+)\"", text))
    for heading in _HEADING.findall(text):
        base = slug(heading)
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return frozenset(found)


def broken_links(source: Path, root: Path = ROOT) -> list[str]:
    name = source.relative_to(root).as_posix()
    problems = []
    for target in _LINK.findall(_prose(source.read_text(encoding="utf-8"))):
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith("/"):
            continue  # absolute URLs and site paths are not files in the repository
        path, _, anchor = target.partition("#")
        dest = (source.parent / path).resolve() if path else source
        if not dest.exists():
            problems.append(f"{name}: {target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor.lower() not in anchors(dest):
            problems.append(f"{name}: {target}: no heading with that anchor in {dest.relative_to(root).as_posix()}")
    return problems


@pytest.mark.parametrize("name", _tracked_markdown())
def test_every_relative_link_and_anchor_resolves(name: str) -> None:
    assert broken_links(ROOT / name) == []


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Check a price: `python -m pricing`", "check-a-price-python--m-pricing"),
        ("The organiser's back office", "the-organisers-back-office"),
        ("`POST /api/bookings`", "post-apibookings"),
        ("7. Smoke test, still in test mode", "7-smoke-test-still-in-test-mode"),
        ("Going live", "going-live"),
    ],
)
def test_anchors_are_githubs_heading_slugs(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor


def test_a_missing_file_or_heading_is_reported_and_code_is_not_a_link(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "guide.md").write_text("# Guide\n\n## Where things are\n\n## Tests\n\n## Tests\n", encoding="utf-8")
    page = tmp_path / "docs" / "page.md"
    page.write_text(
        "# Page\n\n[up](../guide.md#where-things-are) [second](../guide.md#tests-1) [here](#page)"
        " [web](https://example.org/x.md) `[code](nowhere.md)`\n\n```md\n[example](nowhere.md)\n```\n"
        "[gone](../guide.md#nowhere) [file](missing.md#x) [self](#tests)\n",
        encoding="utf-8",
    )
    assert broken_links(page, tmp_path) == [
        "docs/page.md: ../guide.md#nowhere: no heading with that anchor in guide.md",
        "docs/page.md: missing.md#x: no such file",
        "docs/page.md: #tests: no heading with that anchor in docs/page.md",
    ]
