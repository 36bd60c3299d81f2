"""An event page's first screen comes in the first round trip: its HTML and the CSS it needs are in the first 14 KB.

Checked on the shipped content/ (the page `make bench` measures) and on the test site. The first screen is the site header, the event's title and date, the "Book your place" link and the fee table's
first row. The CSS for it is inline, in the one <style> of the page, allowed by its SHA-256 hash in the
Content-Security-Policy that netlify.toml (and so the dev server) serves; the rest of the stylesheet is linked at the
end of the page, where it does not hold up the first paint.
"""

from __future__ import annotations

import base64
import hashlib
import re
import tomllib

import pytest

from devtools.devserver.netlify_headers import headers_for
from tests.build.conftest import ROOT, Build

FIRST_ROUND_TRIP = 14_000  # bytes: TCP's usual first window is 10 segments of about 1,460
OPEN_EVENTS = ["caldicott-police-2027", "records-retention-2027"]  # the shipped content's, open at SHIPPED_NOW
FIXTURE_OPEN_EVENTS = ["caldicott-police-2083", "records-retention-2083"]  # the test site's, open at NOW


def _style(page: str) -> str:
    styles = re.findall(r"<style>(.*?)</style>", page, re.S)
    assert len(styles) == 1, "one inline <style>, the first screen's"
    return styles[0]


def _hash(css: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode() + "'"


def _style_sources(policy: str) -> list[str]:
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    return directives["style-src"]


@pytest.mark.parametrize(
    ("which", "slug"), [*(("shipped", s) for s in OPEN_EVENTS), *(("test", s) for s in FIXTURE_OPEN_EVENTS)]
)
def test_the_first_screen_is_in_the_first_14_kb(site: Build, shipped_site: Build, which: str, slug: str) -> None:
    build = shipped_site if which == "shipped" else site
    page = (build.out / f"events/{slug}/index.html").read_bytes()
    first = page[:FIRST_ROUND_TRIP].decode("utf-8", errors="ignore")
    head, _, body = first.partition("</head>")
    assert body, "the whole <head> is in the first 14 KB"
    assert "<style>" in head and '<link rel="stylesheet"' not in head, "no stylesheet to wait for before painting"
    assert '<header class="site-header">' in body and '<a class="site-name" href="/">' in body
    title = re.search(r"<h1>([^<]+)</h1>", body)
    assert title and title.group(1).strip()
    assert re.search(r'<dt>Date</dt><dd><time datetime="\d{4}-\d\d-\d\d">[^<]+</time></dd>', body)
    assert '<a class="button" href="#book">Book your place</a>' in body
    first_row = re.search(r'<tbody><tr id="fee-[a-z-]+">.*?</tr>', body, re.S)
    assert first_row, "the fee table's first row, whole"
    assert "£" in first_row.group(0)


@pytest.mark.parametrize("slug", FIXTURE_OPEN_EVENTS)
def test_the_rest_of_the_stylesheet_is_linked_after_the_page(site: Build, slug: str) -> None:
    page = site.page(f"events/{slug}/index.html")
    links = re.findall(r'<link rel="stylesheet" href="([^"]+)">', page)
    assert links == [re.search(r"/assets/css/site-rest\.[0-9a-f]{10}\.css", page).group(0)]
    assert page.index('<link rel="stylesheet"') > page.index("</footer>")
    rest = (site.out / links[0].lstrip("/")).read_text(encoding="utf-8")
    assert ".booking-form" in rest and ".booking-form" not in _style(page)
    assert ".site-header" in _style(page) and ".site-header{" not in rest


def test_the_inline_style_is_allowed_by_its_hash_on_netlify_and_the_dev_server(site: Build) -> None:
    netlify = tomllib.loads((ROOT / "netlify.toml").read_text(encoding="utf-8"))
    policy = next(rule["values"]["Content-Security-Policy"] for rule in netlify["headers"] if rule["for"] == "/*")
    for path in ("index.html", "about/index.html", f"events/{FIXTURE_OPEN_EVENTS[0]}/index.html"):
        wanted = _hash(_style(site.page(path)))
        assert wanted in _style_sources(policy)
        served = headers_for("/" + path.removesuffix("index.html"))["Content-Security-Policy"]
        assert wanted in _style_sources(served)
    assert "'unsafe-inline'" not in _style_sources(policy)


def test_a_stale_hash_in_netlify_toml_stops_the_build(tmp_path) -> None:
    from pelican.plugins.event_site.assets import csp_problem

    toml = tmp_path / "netlify.toml"
    stale = (ROOT / "netlify.toml").read_text(encoding="utf-8")
    stale = re.sub(r"'sha256-[^']+'", "'sha256-AAAA'", stale)
    toml.write_text(stale, encoding="utf-8")
    problem = csp_problem(ROOT / "theme", toml)
    assert problem is not None and "sha256-" in problem.message
    assert csp_problem(ROOT / "theme", ROOT / "netlify.toml") is None
    toml.write_text(stale.replace("'sha256-AAAA'", "'unsafe-inline'"), encoding="utf-8")
    assert csp_problem(ROOT / "theme", toml) is not None
