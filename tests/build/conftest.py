"""Real Pelican builds for the site tests: one of the real content per session, copies to break."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fixture_site import FIXTURE_CONTENT

ROOT = Path(__file__).resolve().parents[2]
# A fixed "now" so the tests do not change verdict when real dates pass: before the test site's events
# (tests/fixtures/site/), after its past one. SHIPPED_NOW is the same moment for the shipped content/.
NOW = "2082-11-25T09:00:00+00:00"
SHIPPED_NOW = "2026-11-25T09:00:00+00:00"


@dataclass
class Build:
    """One finished `pelican` run: its exit status, what it printed and where it wrote."""

    returncode: int
    output: str
    out: Path

    def page(self, path: str) -> str:
        return (self.out / path).read_text(encoding="utf-8")


def run_pelican(
    content: Path, out: Path, now: str = NOW, settings: str = "pelicanconf.py", site_url: str = ""
) -> Build:
    env = {**os.environ, "SITE_NOW": now, "SITE_URL": site_url}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pelican",
            str(content),
            "--settings",
            settings,
            "--output",
            str(out),
            "--delete-output-directory",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Build(result.returncode, result.stdout + result.stderr, out)


def text(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split()).replace(" )", ")").replace("( ", "(")


def section(page: str, heading_id: str) -> str:
    """The HTML of the <section> whose heading has this id."""
    match = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', page, re.S)
    assert match, f"no section for #{heading_id}"
    return match.group(0)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The test site (tests/fixtures/site/content/), built once."""
    build = run_pelican(FIXTURE_CONTENT, tmp_path_factory.mktemp("site") / "output")
    assert build.returncode == 0, build.output
    return build


@pytest.fixture(scope="session")
def shipped_site(tmp_path_factory: pytest.TempPathFactory) -> Build:
    """The organiser's own content/, built once, for the smoke tests that say so."""
    build = run_pelican(ROOT / "content", tmp_path_factory.mktemp("shipped") / "output", now=SHIPPED_NOW)
    assert build.returncode == 0, build.output
    return build


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A private copy of the test site's content that a test may break."""
    copy = tmp_path / "content"
    shutil.copytree(FIXTURE_CONTENT, copy)
    return copy
